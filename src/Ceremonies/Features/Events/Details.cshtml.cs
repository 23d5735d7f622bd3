using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Features.Observances;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Security;
using Ceremonies.Infrastructure.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Events;

// One event's page. The public sees it once approved; before that (and after it is rejected or
// withdrawn) only its organizer and moderators do, who also see its state and what they may do
// with it: moderators approve or reject it, its organizer changes or withdraws it. Everyone else
// gets the same 404 as for an event that does not exist.
public sealed class DetailsModel(EventActions actions, CeremoniesDb db, SafeMarkdown markdown, IOptions<SiteOptions> site, TimeProvider clock) : PageModel
{
    public CommunityEvent Event { get; private set; } = null!; // set by LoadAsync before the page renders

    public string DescriptionHtml { get; private set; } = "";

    // Only for a published event: search engines should not learn of one that is not.
    public string? JsonLd { get; private set; }

    public int SeatsLeft { get; private set; }

    public string? Occurrence { get; private set; }

    public bool IsOrganizer { get; private set; }

    public bool IsModerator { get; private set; }

    public bool MayChange { get; private set; }

    public bool HasBegun { get; private set; }

    // What the reject form was sent with when it was refused, and why.
    public string? RejectReason { get; private set; }

    public string? RejectError { get; private set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public bool Refused { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    // The moderation forms carry the version shown: an event changed since is not decided unseen.
    public async Task<IActionResult> OnPostApproveAsync(Guid id, uint? version, CancellationToken cancellationToken) =>
        Answer(id, await actions.ApproveAsync(User, id, null, cancellationToken, version), "approved: it is listed publicly and its organizer is told");

    public async Task<IActionResult> OnPostRejectAsync(Guid id, string? reason, uint? version, CancellationToken cancellationToken)
    {
        var outcome = await actions.RejectAsync(User, id, reason, cancellationToken, version);
        if (outcome.Refusal == EventRefusal.Invalid && await LoadAsync(id, cancellationToken))
        {
            RejectReason = reason;
            RejectError = string.Join(" ", outcome.Errors?.Values.SelectMany(m => m) ?? []);
            return Page();
        }
        return Answer(id, outcome, "rejected: its organizer is told why");
    }

    public async Task<IActionResult> OnPostWithdrawAsync(Guid id, CancellationToken cancellationToken) =>
        Answer(id, await actions.WithdrawAsync(User, id, null, cancellationToken), "withdrawn: it is no longer listed and its attendees are told");

    private IActionResult Answer(Guid id, EventOutcome outcome, string done)
    {
        if (outcome.Refusal == EventRefusal.NotFound)
        {
            return NotFound();
        }
        Refused = outcome.Event is null;
        Message = outcome switch
        {
            { Event: { } e } => $"\u201c{e.Title}\u201d is {done}.",
            { Refusal: EventRefusal.Stale } => "This event changed since you read it. Here it is as it now stands; decide again if it is still needed.",
            _ => outcome.Message,
        };
        return RedirectToPage(new { id });
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await actions.FindVisibleAsync(User, id, cancellationToken) is not { } e)
        {
            return false;
        }
        var now = clock.GetUtcNow();
        Event = e;
        DescriptionHtml = markdown.ToHtml(e.Description);
        IsOrganizer = User.IsOrganizerOf(e);
        IsModerator = User.IsModerator;
        MayChange = (IsOrganizer || User.IsAdmin) && e.State != EventState.Withdrawn && !e.IsOver(now);
        HasBegun = e.StartsAt <= now;
        SeatsLeft = Math.Max(0, e.Capacity - await db.EventRegistrations.HoldingSeats(e.Id).CountAsync(cancellationToken));
        if (e.OccurrenceId is { } occurrenceId)
        {
            var part = await db.Occurrences.AsNoTracking().Where(o => o.Id == occurrenceId)
                .Join(db.Observances, o => o.ObservanceId, o => o.Id, (o, observance) => new { observance.Name, o.Year })
                .FirstOrDefaultAsync(cancellationToken);
            Occurrence = part is null ? null : string.Create(CultureInfo.InvariantCulture, $"{part.Name} {part.Year}");
        }
        JsonLd = e.Published ? EventTexts.JsonLd(e, site.Value.Link($"events/{e.Id}")) : null;
        return true;
    }
}
