using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Ceremonies.Infrastructure.Validation;

namespace Ceremonies.Features.Subscriptions;

// The choices a subscriber has, the same on every form and in the API.
public static class ReminderChoices
{
    // 1 week, 1 day, 3 hours, 1 hour, 15 minutes before.
    public static readonly IReadOnlyList<int> Offsets = [10080, 1440, 180, 60, 15];

    public static readonly IReadOnlyList<int> DefaultOffsets = [1440, 60];

    public static string OffsetName(int minutes) => minutes switch
    {
        10080 => "1 week",
        1440 => "1 day",
        180 => "3 hours",
        60 => "1 hour",
        _ => $"{minutes} minutes",
    };

    // The languages the emails are written in.
    public static readonly IReadOnlyList<string> Languages = ["en", "fr", "az", "ru"];

    public static string LanguageName(string code) => code switch
    {
        "fr" => "Français",
        "az" => "Azərbaycanca",
        "ru" => "Русский",
        _ => "English",
    };

    public static IEnumerable<ValidationResult> Check(IReadOnlyList<int>? offsets, string? language)
    {
        if (offsets is null || offsets.Count == 0 || offsets.Count > Offsets.Count
            || offsets.Any(o => !Offsets.Contains(o)) || offsets.Distinct().Count() != offsets.Count)
        {
            yield return new ValidationResult(
                "Choose one or more of 10080 (1 week), 1440 (1 day), 180 (3 hours), 60 (1 hour) and 15 (15 minutes), each once.",
                ["OffsetMinutes"]);
        }
        if (language is not null && !Languages.Contains(language))
        {
            yield return new ValidationResult("Choose en, fr, az or ru.", ["Language"]);
        }
    }
}

[Description("A request to be reminded by email. Exactly one of observanceId, venueId, country and eventId, as follows says.")]
public sealed record SubscribeRequest(
    [property: Required, Mailbox, StringLength(320)] string Email,
    [property: Required, IanaTimeZone, Description("The subscriber's IANA zone: the emails give times in it.")] string TimeZone,
    [property: Required] Follows? Follows,
    [property: Required, Description("Minutes before the moment: any of 10080, 1440, 180, 60, 15.")] IReadOnlyList<int>? OffsetMinutes,
    Guid? ObservanceId = null,
    Guid? VenueId = null,
    [property: CountryCode] string? Country = null,
    Guid? EventId = null,
    [property: Description("en, fr, az or ru; en when left out.")] string? Language = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        ReminderChoices.Check(OffsetMinutes, Language).Concat(SubscriptionTargets.Check(Follows, ObservanceId, VenueId, Country, EventId));
}

[Description("A subscriber's choices, changed from the link in their emails.")]
public sealed record PreferencesRequest(
    [property: Required, IanaTimeZone] string TimeZone,
    [property: Required] Follows? Follows,
    [property: Required] IReadOnlyList<int>? OffsetMinutes,
    Guid? ObservanceId = null,
    Guid? VenueId = null,
    [property: CountryCode] string? Country = null,
    Guid? EventId = null,
    string? Language = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        ReminderChoices.Check(OffsetMinutes, Language).Concat(SubscriptionTargets.Check(Follows, ObservanceId, VenueId, Country, EventId));
}

[Description("A subscription as its own links show it. The address is shown in part only.")]
public sealed record SubscriptionView(
    Guid Id, string Email, SubscriptionState State, Follows Follows, Guid? ObservanceId, Guid? VenueId, string? Country, Guid? EventId,
    [property: Description("What is followed, in words.")] string Following,
    IReadOnlyList<int> OffsetMinutes, string TimeZone, string Language)
{
    public static SubscriptionView Of(Subscription s, string following) => new(
        s.Id, Masked(s.Email), s.State, s.Follows, s.ObservanceId, s.VenueId, s.Country, s.EventId, following,
        s.OffsetMinutes, s.TimeZone, s.Language);

    // "l****@example.org": enough for its owner to recognise, not a list of addresses for whoever holds a link.
    public static string Masked(string email)
    {
        var at = email.LastIndexOf('@');
        return at <= 1 ? "…" + email[Math.Max(at, 0)..] : email[0] + new string('*', Math.Min(at - 1, 6)) + email[at..];
    }
}
