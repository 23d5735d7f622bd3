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

// The "Remind me" form (_RemindMe) on an event's, a venue's and an observance's page; it posts to
// /subscriptions/new. Follows and Id say what it is for.
public sealed class RemindMeInput
{
    public Follows? Follows { get; set; }

    // The event, venue or observance followed.
    public Guid? Id { get; set; }

    [Required(ErrorMessage = "Give your email address: the link to confirm is mailed to it.")]
    [Mailbox(ErrorMessage = "Give an email address such as name@example.org.")]
    [StringLength(320, ErrorMessage = "An email address has at most 320 characters.")]
    [Display(Name = "Your email address")]
    public string? Email { get; set; }

    public ReminderChoicesInput Choices { get; set; } = new();

    // The page's own zone until the browser gives the reader's.
    public static RemindMeInput For(Follows follows, Guid id, string zone) => new()
    {
        Follows = follows,
        Id = id,
        Choices = new() { TimeZone = zone, OffsetMinutes = [.. ReminderChoices.DefaultOffsets], Language = "en", GuessZone = true },
    };

    // What the form is for; null for anything but an event, a venue or an observance with its id.
    public SubscriptionTarget? Target => (Follows, Id) switch
    {
        (Subscriptions.Follows.Event or Subscriptions.Follows.Venue or Subscriptions.Follows.Observance, { } id) =>
            SubscriptionTargets.Of(Follows.Value, id, id, null, id),
        _ => null,
    };

    // Once the form is valid.
    public SubscribeRequest ToRequest(SubscriptionTarget target) => new(
        Email!.Trim(), Choices.TimeZone!, target.Follows, Choices.OffsetMinutes,
        ObservanceId: target.Follows == Subscriptions.Follows.Observance ? target.Id : null,
        VenueId: target.Follows == Subscriptions.Follows.Venue ? target.Id : null,
        EventId: target.Follows == Subscriptions.Follows.Event ? target.Id : null,
        Language: Choices.Language);
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
