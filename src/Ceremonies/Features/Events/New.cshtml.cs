using Ceremonies.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Ceremonies.Features.Events;

// Any signed-in person submits an event; a moderator reviews it before the public sees it.
[Authorize]
public sealed class NewModel(EventActions actions, CeremoniesDb db, TimeProvider clock) : EventFormPage(db, clock)
{
    public override string SubmitLabel => "Submit for review";

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Input.Capacity = 50;
        await LoadChoicesAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (ToRequest() is { } request)
        {
            var outcome = await actions.SubmitAsync(User, request, cancellationToken);
            if (outcome.Event is { } e)
            {
                Message = "Your event is submitted. A moderator reviews it before it is listed; you are told by mail.";
                return RedirectToPage("/Events/Details", new { id = e.Id });
            }
            Show(outcome);
        }
        await LoadChoicesAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken cancellationToken)
    {
        MakePreview();
        await LoadChoicesAsync(cancellationToken);
        return Page();
    }
}
