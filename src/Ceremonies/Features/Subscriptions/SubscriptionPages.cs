using System.ComponentModel.DataAnnotations;
using Ceremonies.Infrastructure.Validation;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Ceremonies.Features.Subscriptions;

// The choices both the "Remind me" form and the preferences page ask for (_ReminderChoices), held
// to the API's rules (ReminderChoices), in the words of a form.
public sealed class ReminderChoicesInput : IValidatableObject
{
    [Required(ErrorMessage = "Give your time zone, such as Europe/Paris: the reminders give times in it.")]
    [IanaTimeZone(ErrorMessage = "Choose your time zone from the list, as Region/City: Europe/Paris, Asia/Baku.")]
    [Display(Name = "Your time zone")]
    public string? TimeZone { get; set; }

    // Empty unless sent: a form with every box left unticked is refused, not given the defaults.
    [MinLength(1, ErrorMessage = "Tick at least one: when to be reminded.")]
    public List<int> OffsetMinutes { get; set; } = [];

    [Display(Name = "Language of the emails")]
    public string? Language { get; set; }

    // A fresh form, whose zone the browser's own may replace (remind-me.js); never one being corrected.
    [BindNever]
    public bool GuessZone { get; init; }

    public static ReminderChoicesInput Of(Subscription s) =>
        new() { TimeZone = s.TimeZone, OffsetMinutes = [.. s.OffsetMinutes], Language = s.Language };

    // Only a form altered by hand is refused here: the page offers nothing else.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => ReminderChoices.Check(OffsetMinutes, Language);
}

// Words and links the subscription pages share.
public static class SubscriptionPages
{
    // "1 day and 1 hour before", longest first.
    public static string Reminders(IReadOnlyCollection<int> offsets)
    {
        var names = ReminderChoices.Offsets.Where(offsets.Contains).Select(ReminderChoices.OffsetName).ToList();
        return names.Count switch
        {
            0 => "none",
            1 => $"{names[0]} before",
            _ => $"{string.Join(", ", names[..^1])} and {names[^1]} before",
        };
    }

    // The page of what is followed, where its "Remind me" form is.
    public static string PageOf(SubscriptionView s) => s.Follows switch
    {
        Follows.Observance => $"/observances/{s.ObservanceId}",
        Follows.Venue => $"/venues/{s.VenueId}",
        Follows.Event => $"/events/{s.EventId}",
        _ => $"/events?country={s.Country}",
    };
}
