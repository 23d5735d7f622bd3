using Ceremonies.Data;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Ceremonies.Features.Subscriptions;

// The "Remind me" forms post here: a page of its own so that only subscribing, which sends a mail,
// counts against the limit per client address, as the API's subscribing does. A refused form is shown
// again here, with what was typed and what to change; an accepted one leads to the same words
// whatever the address, so the page tells nobody who subscribed.
[EnableRateLimiting(RateLimits.AccountMail)]
public sealed class NewModel(SubscriptionActions actions, CeremoniesDb db, TimeProvider clock) : PageModel
{
    [BindProperty]
    public RemindMeInput RemindMe { get; set; } = new();

    // What the form was for, in words.
    public string? Following { get; private set; }

    public string? Refusal { get; private set; }

    // Nothing to show without a form sent from an event's, a venue's or an observance's page.
    public IActionResult OnGet() => Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (RemindMe.Target is not { } target
            || await SubscriptionTargets.NameAsync(db, target, clock.GetUtcNow(), cancellationToken) is not { } following)
        {
            return NotFound();
        }
        Following = following;
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var outcome = await actions.SubscribeAsync(RemindMe.ToRequest(target), cancellationToken);
        if (outcome.Refusal != SubscriptionRefusal.None)
        {
            Refusal = outcome.Message;
            return Page();
        }
        return RedirectToPage("Sent");
    }
}
