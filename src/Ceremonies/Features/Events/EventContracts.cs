using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Ceremonies.Features.Bookings;
using Ceremonies.Infrastructure.Validation;

namespace Ceremonies.Features.Events;

// An event as its organizer submits it (POST) or replaces it (PUT). Start and end are local times
// in the event's zone, without an offset: "2027-02-26T18:00:00". An event may be held in a hall of
// the service (HallId, chosen when it is submitted): it then books the hall by the booking rules,
// in the venue's zone.
public sealed partial record EventRequest(
    [property: Required, StringLength(200, MinimumLength = 1)] string Title,
    [property: Required, StringLength(200, MinimumLength = 1)] string OrganizerName,
    [property: Required] DateTime? Start,
    [property: Required] DateTime? End,
    [property: Required, IanaTimeZone] string TimeZone,
    [property: Required, StringLength(300, MinimumLength = 1)] string Address,
    [property: Required, StringLength(100, MinimumLength = 1)] string City,
    [property: Required, CountryCode] string Country,
    [property: Range(1, 100_000)] int Capacity,
    [property: Required, StringLength(320, MinimumLength = 1)] string Contact,
    [property: StringLength(EventRequest.MaxDescription)] string Description = "",
    IReadOnlyList<string>? Languages = null,
    Guid? OccurrenceId = null,
    bool HoldsSilence = false,
    Guid? HallId = null) : IValidatableObject
{
    public const int MaxDescription = 20_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Languages is { Count: > 10 } || Languages?.Any(l => l is null || !LanguageTag().IsMatch(l)) == true)
        {
            yield return new ValidationResult("Give up to 10 languages as ISO 639 codes in lower case, such as az, en or fr.", [nameof(Languages)]);
        }
        if (HoldsSilence && OccurrenceId is null)
        {
            yield return new ValidationResult("An event holds the minute of silence of an observance: choose the occurrence it belongs to.", [nameof(OccurrenceId)]);
        }
    }

    [GeneratedRegex("^[a-z]{2,3}$")]
    private static partial Regex LanguageTag();
}

public sealed record ModerationRequest([property: StringLength(1000)] string? Reason = null);

public sealed record EventView(
    Guid Id, string Title, string OrganizerName, string Description, IReadOnlyList<string> Languages, TimeView Start, TimeView End,
    string Address, string City, string Country, Guid? OccurrenceId, bool HoldsSilence, int Capacity, string Contact,
    EventState State, bool Published, bool Changed, string? Reason, int Sequence, Guid? HallId = null, Guid? BookingId = null)
{
    public static EventView Of(CommunityEvent e) => new(
        e.Id, e.Title, e.OrganizerName, e.Description, e.Languages, TimeView.Of(e.LocalStart, e.TimeZone, e.StartsAt),
        TimeView.Of(e.LocalEnd, e.TimeZone, e.EndsAt), e.Address, e.City, e.Country, e.OccurrenceId, e.HoldsSilence, e.Capacity,
        e.Contact, e.State, e.Published, e.ChangedSinceApproval, e.Reason, e.Sequence, e.HallId, e.BookingId);
}

public sealed record RegistrationRequest(
    [property: Required, StringLength(200, MinimumLength = 1)] string Name,
    [property: Required, Mailbox, StringLength(320)] string Email);

// The token of a registration's links, as mailed to its address.
public sealed record TokenRequest([property: Required, StringLength(1000, MinimumLength = 1)] string Token);

public sealed record RegistrationView(
    Guid Id, Guid EventId, string EventTitle, string Name, RegistrationState State, int? WaitlistPosition, DateTimeOffset? OfferExpiresAt)
{
    public static RegistrationView Of(AttendanceOutcome o) => new(
        o.Registration!.Id, o.Event!.Id, o.Event.Title, o.Registration.Name, o.Registration.State, o.WaitlistPosition, o.Registration.OfferExpiresAt);
}

// What an organizer sees of the people who registered.
public sealed record AttendeeView(string Name, string Email, RegistrationState State, DateTimeOffset? QueuedAt, DateTimeOffset? OfferExpiresAt, DateTimeOffset RegisteredAt)
{
    public static AttendeeView Of(EventRegistration r) => new(r.Name, r.Email, r.State, r.QueuedAt, r.OfferExpiresAt, r.CreatedAt);
}
