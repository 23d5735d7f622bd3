using System.ComponentModel.DataAnnotations;
using Ceremonies.Infrastructure.Validation;

namespace Ceremonies.Features.Venues;

public sealed record VenueRequest(
    [property: Required, StringLength(200, MinimumLength = 1)] string Name,
    [property: Required, StringLength(100, MinimumLength = 1)] string City,
    [property: Required, CountryCode] string Country,
    [property: Required, IanaTimeZone] string TimeZone,
    [property: StringLength(500)] string? Address = null,
    [property: Mailbox, StringLength(320)] string? ContactEmail = null,
    [property: Url, StringLength(2000)] string? WebhookUrl = null,
    // Write-only. Null keeps the stored secret; clearing the webhook URL clears it too.
    [property: StringLength(200, MinimumLength = 16)] string? WebhookSecret = null);

public sealed record VenueView(
    Guid Id, string Name, string City, string Country, string TimeZone, string? Address, string? ContactEmail,
    string? WebhookUrl, bool? HasWebhookSecret)
{
    // The webhook is the venue's own business: only its managers and admins see it.
    public static VenueView Of(Venue venue, bool manager) => new(
        venue.Id, venue.Name, venue.City, venue.Country, venue.TimeZone, venue.Address, venue.ContactEmail,
        manager ? venue.WebhookUrl : null, manager ? venue.WebhookSecret is not null : null);
}

public sealed record OpeningHoursRequest(
    [property: Required] DayOfWeek? Day,
    [property: Required] TimeOnly? Opens,
    [property: Required] TimeOnly? Closes);

// No setup or teardown buffer unless given; like every optional field, they have a default.
public sealed record HallRequest(
    [property: Required, StringLength(200, MinimumLength = 1)] string Name,
    [property: Range(1, 100_000)] int Capacity,
    [property: Required, MaxLength(28)] IReadOnlyList<OpeningHoursRequest> OpeningHours,
    [property: Range(0, Hall.MaxBufferMinutes)] int SetupMinutes = 0,
    [property: Range(0, Hall.MaxBufferMinutes)] int TeardownMinutes = 0,
    [property: Range(0, 365 * 24 * 60)] int? MinNoticeMinutes = null,
    [property: Range(15, 14 * 24 * 60)] int? MaxLengthMinutes = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hours = (OpeningHours ?? []).Where(h => h.Day is not null && h.Opens is not null && h.Closes is not null).ToList();
        if (hours.Any(h => h.Opens >= h.Closes))
        {
            yield return new ValidationResult("Each span must close after it opens, within one day (09:00 to 18:00, not 22:00 to 02:00).", [nameof(OpeningHours)]);
        }
        var overlapping = hours.GroupBy(h => h.Day).Any(day => day.OrderBy(h => h.Opens).Zip(day.OrderBy(h => h.Opens).Skip(1)).Any(p => p.Second.Opens < p.First.Closes));
        if (overlapping)
        {
            yield return new ValidationResult("Spans of one day must not overlap.", [nameof(OpeningHours)]);
        }
    }

    public List<OpeningHours> Hours() =>
        [.. OpeningHours.Select(h => new OpeningHours(h.Day!.Value, h.Opens!.Value, h.Closes!.Value)).OrderBy(h => h.Day).ThenBy(h => h.Opens)];
}

public sealed record HallView(
    Guid Id, Guid VenueId, string Name, int Capacity, int SetupMinutes, int TeardownMinutes, string TimeZone,
    IReadOnlyList<OpeningHours> OpeningHours, int MinNoticeMinutes, int MaxLengthMinutes)
{
    public static HallView Of(Hall hall, string zone) =>
        new(hall.Id, hall.VenueId, hall.Name, hall.Capacity, hall.SetupMinutes, hall.TeardownMinutes, zone, hall.OpeningHours,
            hall.MinNoticeMinutes, hall.MaxLengthMinutes);
}

public sealed record StaffRequest(
    [property: Required, Mailbox, StringLength(320)] string Email,
    [property: Required] VenueRole? Role);

public sealed record StaffMemberView(Guid UserId, string Email, VenueRole Role);

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
