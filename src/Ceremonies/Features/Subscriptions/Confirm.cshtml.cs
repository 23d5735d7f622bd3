using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ceremonies.Features.Subscriptions;

// Where the confirmation mail's link leads. Opening it only shows what would be confirmed: mail
// scanners open links, so nothing changes on a GET. The button confirms.
public sealed class ConfirmModel(SubscriptionActions actions, SubscriptionLinks links) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    public SubscriptionView Subscription { get; private set; } = null!; // set by ShowAsync before the page renders

    public bool Expired { get; private set; }

    // The link to change or stop the reminders, once the address is confirmed.
    public string? Preferences { get; private set; }

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => ShowAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var outcome = await actions.ConfirmAsync(Token, cancellationToken);
        return outcome.Refusal == SubscriptionRefusal.None ? RedirectToPage(new { token = Token }) : await ShowAsync(cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(CancellationToken cancellationToken)
    {
        var outcome = await actions.FindToConfirmAsync(Token, cancellationToken);
        if (outcome is not { Subscription: { } s, Following: { } following })
        {
            return NotFound();
        }
        Subscription = SubscriptionView.Of(s, following);
        Expired = outcome.Refusal == SubscriptionRefusal.Expired;
        Preferences = Expired ? null : links.PreferencesPage(links.ManageToken(s.Id)).PathAndQuery;
        return Page();
    }
}
