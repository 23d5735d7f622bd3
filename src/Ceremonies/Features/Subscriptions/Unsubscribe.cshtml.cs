using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ceremonies.Features.Subscriptions;

// Where a reminder's "Unsubscribe" link leads. Opening it only asks (mail scanners open links); the
// button stops the reminders at once. The link can be used again to see that they are stopped.
//
// No antiforgery token is asked for: the token in the URL, which only the address's owner has,
// is the authority, as it is for the API. A mail client doing RFC 8058 one-click unsubscribe may
// also POST here, without a form of ours and so without our antiforgery token, and must not be
// refused. A forged POST could at worst stop reminders of an address whose link it already holds.
[IgnoreAntiforgeryToken]
public sealed class UnsubscribeModel(SubscriptionActions actions, SubscriptionLinks links) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    public SubscriptionView Subscription { get; private set; } = null!; // set by OnGetAsync before the page renders

    public string Preferences { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await actions.FindAsync(Token, cancellationToken) is not { Subscription: { } s, Following: { } following })
        {
            return NotFound();
        }
        Subscription = SubscriptionView.Of(s, following);
        Preferences = links.PreferencesPage(Token!).PathAndQuery; // found by it, so given
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var outcome = await actions.UnsubscribeAsync(Token, cancellationToken);
        return outcome.Refusal == SubscriptionRefusal.NotFound ? NotFound() : RedirectToPage(new { token = Token });
    }
}
