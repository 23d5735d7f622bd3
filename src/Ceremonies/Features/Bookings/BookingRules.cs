using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Time;

namespace Ceremonies.Features.Bookings;

public sealed record Refusal(string Field, string Message);

// The rules a booking must meet before the database is asked for the slot. Pure: tests call them directly.
public static class BookingRules
{
    // The local times become instants in the venue's zone; a time the clocks skip is refused.
    public static (ZonedSpan? Span, List<Refusal> Refusals) Resolve(DateTime? start, DateTime? end, string zone, string whose = "venue")
    {
        var refusals = new List<Refusal>();
        foreach (var (field, value) in new[] { ("start", start), ("end", end) })
        {
            if (value is { Kind: not DateTimeKind.Unspecified })
            {
                refusals.Add(new(field, $"Give the {whose}'s local time without an offset or 'Z' (for example 2026-02-26T17:00:00); the {whose}'s zone is {zone}."));
            }
        }
        if (refusals.Count > 0 || start is null || end is null)
        {
            return (null, refusals);
        }
        var from = ZonedTime.Resolve(start.Value, zone);
        var until = ZonedTime.Resolve(end.Value, zone);
        if (from is null)
        {
            refusals.Add(new("start", $"{start:yyyy-MM-dd HH:mm} does not exist in {zone}: the clocks skip it that night. Choose another time."));
        }
        if (until is null)
        {
            refusals.Add(new("end", $"{end:yyyy-MM-dd HH:mm} does not exist in {zone}: the clocks skip it that night. Choose another time."));
        }
        return from is { } f && until is { } u ? (new ZonedSpan(f, u), refusals) : (null, refusals);
    }

    public static List<Refusal> Check(Hall hall, ZonedSpan span, int attendees, DateTimeOffset now, bool byStaff)
    {
        var refusals = new List<Refusal>();
        if (span.End.Instant <= span.Start.Instant)
        {
            refusals.Add(new("end", "The end must be after the start."));
            return refusals;
        }
        if (span.Start.Instant < now)
        {
            refusals.Add(new("start", "This time has already passed."));
        }
        else if (!byStaff && span.Start.Instant < now.AddMinutes(hall.MinNoticeMinutes))
        {
            refusals.Add(new("start", $"{hall.Name} must be requested at least {Minutes(hall.MinNoticeMinutes)} ahead."));
        }
        if (span.Length > TimeSpan.FromMinutes(hall.MaxLengthMinutes))
        {
            refusals.Add(new("end", $"A booking of {hall.Name} lasts at most {Minutes(hall.MaxLengthMinutes)}."));
        }
        if (attendees > hall.Capacity)
        {
            refusals.Add(new("attendees", $"{hall.Name} holds at most {hall.Capacity} people."));
        }
        if (!IsOpen(hall.OpeningHours, span.Start.Local, span.End.Local))
        {
            refusals.Add(new("start", $"{hall.Name} is not open for all of this time; its hours ({span.Start.Zone}) are {OpeningHours.Describe(hall.OpeningHours)}."));
        }
        return refusals;
    }

    // Open when one span of the start's weekday holds the whole booking, in local time.
    public static bool IsOpen(IReadOnlyList<OpeningHours> hours, DateTime localStart, DateTime localEnd) =>
        localStart.Date == localEnd.Date
        && hours.Any(h => h.Day == localStart.DayOfWeek
            && h.Opens <= TimeOnly.FromDateTime(localStart)
            && TimeOnly.FromDateTime(localEnd) <= h.Closes);


    private static string Minutes(int minutes) =>
        minutes % 1440 == 0 ? $"{minutes / 1440} day(s)" : minutes % 60 == 0 ? $"{minutes / 60} hour(s)" : $"{minutes} minutes";
}
