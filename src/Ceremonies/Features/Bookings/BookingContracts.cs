using System.ComponentModel.DataAnnotations;
using Ceremonies.Infrastructure.Time;
using Ceremonies.Infrastructure.Validation;

namespace Ceremonies.Features.Bookings;

public enum RepeatFrequency
{
    Daily,
    Weekly,
}

// A series: the same booking every day or week, a number of times or until a date (inclusive).
public sealed record RepeatRequest(
    [property: Required] RepeatFrequency? Frequency,
    [property: Range(1, 4)] int Interval = 1,
    [property: Range(2, 104)] int? Count = null,
    DateOnly? Until = null) : IValidatableObject
{
    public const int MaxOccurrences = 104;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((Count is null) == (Until is null))
        {
            yield return new ValidationResult("Give either a count or an until date.", [nameof(Count), nameof(Until)]);
        }
    }
}

// Start and end are the venue's local time, without an offset: "2026-02-26T17:00:00". A field a
// client may leave out has a default (so it comes last): without one, /openapi/v1.json calls it required.
public sealed record BookingRequest(
    [property: Required, StringLength(200, MinimumLength = 1)] string Title,
    [property: Required] BookingKind? Kind,
    [property: Range(1, 100_000)] int Attendees,
    [property: Required, Mailbox, StringLength(320)] string Contact,
    [property: Required] DateTime? Start,
    [property: Required] DateTime? End,
    [property: StringLength(4000)] string? Notes = null,
    RepeatRequest? Repeat = null);

// A change of a booking: any field left out stays as it is.
public sealed record BookingChange(
    [property: StringLength(200, MinimumLength = 1)] string? Title = null,
    BookingKind? Kind = null,
    [property: Range(1, 100_000)] int? Attendees = null,
    [property: Mailbox, StringLength(320)] string? Contact = null,
    [property: StringLength(4000)] string? Notes = null,
    DateTime? Start = null,
    DateTime? End = null);

public sealed record DecisionRequest([property: StringLength(1000)] string? Reason = null);

public sealed record BlackoutRequest(
    [property: Required] DateTime? Start,
    [property: Required] DateTime? End,
    [property: Required, StringLength(500, MinimumLength = 1)] string Reason);

// A time as the person meant it and as the instant it is.
public sealed record TimeView(DateTime Local, string TimeZone, DateTimeOffset Instant)
{
    public static TimeView Of(DateTime local, string zone, DateTimeOffset instant) => new(local, zone, instant);
}

public sealed record BookingView(
    Guid Id, Guid HallId, Guid VenueId, Guid? SeriesId, string Title, BookingKind Kind, int Attendees, string Contact,
    string? Notes, TimeView Start, TimeView End, DateTimeOffset OccupiedFrom, DateTimeOffset OccupiedUntil,
    BookingState State, DateTimeOffset? ExpiresAt, string? Reason, int Sequence)
{
    public static BookingView Of(Booking b) => new(
        b.Id, b.HallId, b.VenueId, b.SeriesId, b.Title, b.Kind, b.Attendees, b.Contact, b.Notes,
        TimeView.Of(b.LocalStart, b.TimeZone, b.StartsAt), TimeView.Of(b.LocalEnd, b.TimeZone, b.EndsAt),
        b.OccupiedFrom, b.OccupiedUntil, b.State, b.ExpiresAt, b.Reason, b.Sequence);
}

// What anyone may know of a hall's use: when it is taken, not by whom or for what.
public sealed record BusyView(TimeView Start, TimeView End, string Why);

public sealed record BlackoutView(Guid Id, Guid HallId, TimeView Start, TimeView End, string Reason)
{
    public static BlackoutView Of(Blackout b) =>
        new(b.Id, b.HallId, TimeView.Of(b.LocalStart, b.TimeZone, b.StartsAt), TimeView.Of(b.LocalEnd, b.TimeZone, b.EndsAt), b.Reason);
}

public sealed record SlotView(TimeView Start, TimeView End);

public sealed record CalendarFeedView(Guid Id, Guid HallId, string Url, DateTimeOffset CreatedAt);
