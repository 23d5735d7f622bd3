using Ceremonies.Data;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Events;

// The moderators' queue: events waiting for review, oldest first, each approved or rejected here
// through the same actions as the API. A rejection needs a reason: its organizer reads it.
[Authorize(Policy = Policies.Moderator)]
public sealed class QueueModel(CeremoniesDb db, EventActions actions) : PageModel
{
    public const int Limit = 500;

    public IReadOnlyList<CommunityEvent> Events { get; private set; } = [];

    // The event whose reject form was refused, what it was sent with, and why.
    public Guid? RefusedId { get; private set; }

    public string? RefusedReason { get; private set; }

    public string? RefusedError { get; private set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public bool Refused { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    // Each form carries the version the moderator saw: an event changed since is not decided unseen.
    public async Task<IActionResult> OnPostApproveAsync(Guid eventId, uint? version, CancellationToken cancellationToken) =>
        Answer(await actions.ApproveAsync(User, eventId, null, cancellationToken, version), "approved: it is listed publicly");

    public async Task<IActionResult> OnPostRejectAsync(Guid eventId, string? reason, uint? version, CancellationToken cancellationToken)
    {
        var outcome = await actions.RejectAsync(User, eventId, reason, cancellationToken, version);
        if (outcome.Refusal == EventRefusal.Invalid)
        {
            (RefusedId, RefusedReason, RefusedError) = (eventId, reason, string.Join(" ", outcome.Errors?.Values.SelectMany(m => m) ?? []));
            await LoadAsync(cancellationToken);
            return Page();
        }
        return Answer(outcome, "rejected; its organizer is told why");
    }

    private RedirectToPageResult Answer(EventOutcome outcome, string done)
    {
        Refused = outcome.Event is null;
        Message = outcome switch
        {
            { Event: { } e } => $"\u201c{e.Title}\u201d is {done}.",
            { Refusal: EventRefusal.NotFound } => "That event no longer exists.",
            { Refusal: EventRefusal.Stale } => "That event changed since you read it: see it again below before you decide.",
            _ => outcome.Message,
        };
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken) =>
        Events = await db.Events.AsNoTracking().AwaitingReview().Take(Limit).ToListAsync(cancellationToken);
}
