using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Observances;

// One year's occurrence, public: where and when each venue, and each approved community event holding
// it, holds the minute. A venue's managers make it take part here, as through the API (the same
// planning, the same audit).
public sealed class OccurrenceModel(CeremoniesDb db, OccurrenceActions actions, IAuthorizationService authorization) : PageModel
{
    // A readiness button, here and on the board; both post to OnPostReadyAsync.
    public sealed record ReadyButton(Guid OccurrenceId, Guid VenueId, string VenueName, bool Ready, bool BackToBoard);

    public OccurrenceView Occurrence { get; private set; } = null!; // set by OnGetAsync before the page renders

    // The venues the signed-in person manages that do not take part yet.
    public IReadOnlyList<Venue> Joinable { get; private set; } = [];

    public bool MaySeeBoard { get; private set; }

    // The venues taking part whose readiness the signed-in person may acknowledge.
    public IReadOnlySet<Guid> MayAcknowledge { get; private set; } = new HashSet<Guid>();

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public bool Refused { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await OccurrenceQueries.ViewAsync(db, id, cancellationToken) is not { } occurrence)
        {
            return NotFound();
        }
        Occurrence = occurrence;
        if (Me() is { } me)
        {
            var taking = occurrence.Venues.Select(v => v.VenueId).ToList();
            Joinable = await db.VenueMemberships.Where(m => m.UserId == me && m.Role == VenueRole.Manager && !taking.Contains(m.VenueId))
                .Join(db.Venues, m => m.VenueId, v => v.Id, (m, v) => v).AsNoTracking().OrderBy(v => v.Name).ToListAsync(cancellationToken);
            MaySeeBoard = await OccurrenceQueries.MaySeeBoardAsync(db, id, me, User.IsInRole(Roles.Admin), cancellationToken);
            MayAcknowledge = await actions.MayAcknowledgeAsync(User, taking, cancellationToken);
        }
        return Page();
    }

    public async Task<IActionResult> OnPostJoinAsync(Guid id, Guid venueId, CancellationToken cancellationToken)
    {
        var occurrence = await db.Occurrences.FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        var venue = await db.Venues.FirstOrDefaultAsync(v => v.Id == venueId, cancellationToken);
        if (occurrence is null || venue is null)
        {
            return NotFound();
        }
        if (!await authorization.IsManagerAsync(User, venueId))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }
        var outcome = await actions.JoinAsync(occurrence, venue, User, cancellationToken);
        Refused = outcome == JoinOutcome.Over;
        Message = outcome switch
        {
            JoinOutcome.Joined => $"{venue.Name} takes part. Its people are sent the notice and the call to prepare.",
            JoinOutcome.AlreadyIn => $"{venue.Name} already takes part.",
            _ => $"The minute of silence is over at {venue.Name}: there is nothing left to take part in.",
        };
        return RedirectToPage(new { id });
    }

    // The venue's staff and managers (and admins) say it is ready: from this page, or from the board.
    public async Task<IActionResult> OnPostReadyAsync(Guid id, Guid venueId, bool backToBoard, CancellationToken cancellationToken)
    {
        if (!await authorization.IsMemberAsync(User, venueId))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }
        if (!await actions.AcknowledgeReadinessAsync(id, venueId, User, cancellationToken))
        {
            return NotFound();
        }
        Message = "Readiness acknowledged.";
        return backToBoard ? RedirectToPage("Board", new { id }) : RedirectToPage(new { id });
    }

    private Guid? Me() => Guid.TryParse(User.FindFirstValue(ClaimTypes.NameIdentifier), out var me) ? me : null;
}
