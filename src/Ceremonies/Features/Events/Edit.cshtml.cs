using Ceremonies.Data;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Ceremonies.Features.Events;

// The organizer (or an admin) changes an event. The form carries the version it was read at, so a
// change made meanwhile by someone else is not overwritten: the form says so instead.
[Authorize]
public sealed class EditModel(EventActions actions, CeremoniesDb db, TimeProvider clock) : EventFormPage(db, clock)
{
    public override string SubmitLabel => "Save the changes";

    public CommunityEvent Event { get; private set; } = null!; // set by LoadAsync before the page renders

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await LoadAsync(id, cancellationToken) is { } refused)
        {
            return refused;
        }
        Input = EventInput.From(Event);
        await LoadChoicesAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await LoadAsync(id, cancellationToken) is { } refused)
        {
            return refused;
        }
        if (ToRequest() is { } request)
        {
            var outcome = await actions.ChangeAsync(User, id, request, Input.Version, cancellationToken);
            if (outcome.Event is { } e)
            {
                Message = e.State == EventState.Submitted && e.Published
                    ? "Your changes are saved. The event stays listed, marked as changed, until a moderator reviews them."
                    : "Your changes are saved.";
                return RedirectToPage("/Events/Details", new { id });
            }
            if (outcome.Refusal == EventRefusal.NotFound)
            {
                return NotFound();
            }
            Show(outcome);
        }
        await LoadChoicesAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await LoadAsync(id, cancellationToken) is { } refused)
        {
            return refused;
        }
        MakePreview();
        await LoadChoicesAsync(cancellationToken);
        return Page();
    }

    // Null when the form may be shown; else the answer: 404 to whoever may not see the event, 403 to
    // whoever sees it but may not change it (a moderator), the event page for a withdrawn one.
    private async Task<IActionResult?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await actions.FindVisibleAsync(User, id, cancellationToken) is not { } e)
        {
            return NotFound();
        }
        if (!User.IsOrganizerOf(e) && !User.IsAdmin)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }
        if (e.State == EventState.Withdrawn)
        {
            Message = "A withdrawn event cannot be changed.";
            return RedirectToPage("/Events/Details", new { id });
        }
        Event = e;
        return null;
    }
}
