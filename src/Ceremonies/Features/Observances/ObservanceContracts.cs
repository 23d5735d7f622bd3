using System.ComponentModel.DataAnnotations;
using Ceremonies.Infrastructure.Validation;

namespace Ceremonies.Features.Observances;

public sealed record ObservanceRequest(
    [property: Required, StringLength(200, MinimumLength = 1)] string Name,
    [property: Range(1, 12)] int Month,
    [property: Range(1, 31)] int Day,
    [property: Required] TimeOnly? SilenceLocalTime,
    [property: Required, IanaTimeZone] string ReferenceZone,
    [property: StringLength(4000)] string? Description = null,
    SilenceMode Mode = SilenceMode.OneInstant,
    Guid? HostVenueId = null,
    [property: Range(2, 20160)] int NoticeMinutesBefore = 1440,
    [property: Range(1, 1440)] int PrepareMinutesBefore = 10,
    [property: Range(10, 3600)] int SilenceSeconds = 60) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Day > DateTime.DaysInMonth(2028, Month))
        {
            yield return new ValidationResult($"Month {Month} has no day {Day}.", [nameof(Day)]);
        }
        if (PrepareMinutesBefore >= NoticeMinutesBefore)
        {
            yield return new ValidationResult("The notice comes before \"prepare\": give it more minutes before the silence.", [nameof(NoticeMinutesBefore)]);
        }
    }
}

public sealed record ObservanceView(
    Guid Id, string Name, string? Description, int Month, int Day, TimeOnly SilenceLocalTime, string ReferenceZone,
    SilenceMode Mode, Guid? HostVenueId, int NoticeMinutesBefore, int PrepareMinutesBefore, int SilenceSeconds)
{
    public static ObservanceView Of(Observance o) => new(
        o.Id, o.Name, o.Description, o.Month, o.Day, o.SilenceLocalTime, o.ReferenceZone, o.Mode, o.HostVenueId,
        o.NoticeMinutesBefore, o.PrepareMinutesBefore, o.SilenceSeconds);
}

// A venue's minute as the venue keeps it. DifferentDay: its local date is not the observance's.
public sealed record ParticipantView(
    Guid VenueId, string VenueName, string City, string Country, string TimeZone, DateOnly LocalDate, TimeOnly LocalTime,
    DateTimeOffset BeginsAt, DateTimeOffset EndsAt, bool DifferentDay, SilenceTimeRule TimeRule, DateTimeOffset? ReadyAt);

// A community event holding the minute with the occurrence, and the minute on the event's own
// clock by the observance's rule (as a venue in its zone would hold it).
public sealed record SilenceEventView(
    Guid EventId, string Title, string OrganizerName, string City, string Country, string TimeZone, DateOnly LocalDate,
    TimeOnly LocalTime, DateTimeOffset BeginsAt, bool DifferentDay, SilenceTimeRule TimeRule);

public sealed record OccurrenceView(
    Guid Id, Guid ObservanceId, string ObservanceName, int Year, DateOnly Date, TimeOnly SilenceLocalTime, string ReferenceZone,
    SilenceMode Mode, DateTimeOffset SilenceAt, int SilenceSeconds, IReadOnlyList<ParticipantView> Venues,
    IReadOnlyList<SilenceEventView> CommunityEvents);

public sealed record JoinRequest([property: Required] Guid? VenueId);

public sealed record ReadinessRequest([property: Required] Guid? OccurrenceId);

public sealed record DeliveryView(Signal Signal, DeliveryState State, DateTimeOffset DueAt, int Attempts, int? LastStatus, string? LastError, DateTimeOffset? DeliveredAt);

public sealed record BoardRow(ParticipantView Venue, bool HasWebhook, IReadOnlyList<DeliveryView> Deliveries);

public sealed record BoardView(Guid OccurrenceId, string ObservanceName, int Year, DateTimeOffset SilenceAt, IReadOnlyList<BoardRow> Venues);
