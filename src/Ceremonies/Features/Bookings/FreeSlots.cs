using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Time;

namespace Ceremonies.Features.Bookings;

// The next time, from a wished start on, when a booking of the same length fits: inside opening
// hours, and with its buffers clear of every occupied range. Searched in quarter hours.
public static class FreeSlots
{
    public static readonly TimeSpan Step = TimeSpan.FromMinutes(15);

    public static ZonedSpan? Next(
        Hall hall, string zone, DateTime wishedLocalStart, TimeSpan length,
        IReadOnlyList<(DateTimeOffset From, DateTimeOffset Until)> taken, DateTimeOffset notBefore, int days = 14)
    {
        var start = RoundUp(wishedLocalStart);
        var last = wishedLocalStart.Date.AddDays(days);
        for (; start < last; start += Step)
        {
            var end = start + length;
            if (!BookingRules.IsOpen(hall.OpeningHours, start, end))
            {
                continue;
            }
            var from = ZonedTime.Resolve(start, zone);
            var until = ZonedTime.Resolve(end, zone);
            if (from is null || until is null || from.Value.Instant < notBefore)
            {
                continue;
            }
            var occupiedFrom = from.Value.Instant.AddMinutes(-hall.SetupMinutes);
            var occupiedUntil = until.Value.Instant.AddMinutes(hall.TeardownMinutes);
            if (!taken.Any(t => t.From < occupiedUntil && occupiedFrom < t.Until))
            {
                return new ZonedSpan(from.Value, until.Value);
            }
        }
        return null;
    }

    private static DateTime RoundUp(DateTime local)
    {
        var ticks = Step.Ticks;
        return new DateTime((local.Ticks + ticks - 1) / ticks * ticks, DateTimeKind.Unspecified);
    }
}
