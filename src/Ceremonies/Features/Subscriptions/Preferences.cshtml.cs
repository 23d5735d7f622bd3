using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ceremonies.Features.Subscriptions;

// Where a reminder's "Change your reminders" link leads: when they come, the zone their times are
// given in and their language. What is followed stays; another thing is followed by subscribing
// from its page. Saving also starts stopped reminders again: the link proves the address, as a
// confirmation does.
public sealed class PreferencesModel(SubscriptionActions actions) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public ReminderChoicesInput Choices { get; set; } = new();

    public SubscriptionView Subscription { get; private set; } = null!; // set by LoadAsync before the page renders

    public string? Refusal { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await LoadAsync(cancellationToken) is not { } s)
        {
            return NotFound();
        }
        Choices = ReminderChoicesInput.Of(s);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await LoadAsync(cancellationToken) is not { } s)
        {
            return NotFound();
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var request = new PreferencesRequest(
            Choices.TimeZone!, s.Follows, Choices.OffsetMinutes, s.ObservanceId, s.VenueId, s.Country, s.EventId, Choices.Language); // validated: a zone given
        var outcome = await actions.ChangePreferencesAsync(Token, request, cancellationToken);
        switch (outcome.Refusal)
        {
            case SubscriptionRefusal.None:
                Message = s.State == SubscriptionState.Unsubscribed
                    ? "Saved: your reminders start again."
                    : "Saved: your reminders follow your new choices.";
                return RedirectToPage(new { token = Token });
            case SubscriptionRefusal.NotFound:
                return NotFound();
            default:
                Refusal = outcome.Message;
                return Page();
        }
    }

    private async Task<Subscription?> LoadAsync(CancellationToken cancellationToken)
    {
        if (await actions.FindAsync(Token, cancellationToken) is not { Subscription: { } s, Following: { } following })
        {
            return null;
        }
        Subscription = SubscriptionView.Of(s, following);
        return s;
    }
}
