using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Infrastructure.Time;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Events;

// What an organizer meant is the local time in the event's zone; the instant follows from the zone's
// rules. When those rules change (an update of the time-zone data), the instants of the events
// still ahead are computed again from their local times. Safe to run twice: the second run finds
// every instant already right.
public sealed partial class EventTimes(CeremoniesDb db, TimeProvider clock, ILogger<EventTimes> logger)
{
    [AutomaticRetry(Attempts = 3)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var events = await db.Events.Where(e => e.StartsAt > now && e.State != EventState.Withdrawn).ToListAsync(cancellationToken);
        var moved = 0;
        foreach (var e in events)
        {
            var start = ZonedTime.Resolve(e.LocalStart, e.TimeZone);
            var end = ZonedTime.Resolve(e.LocalEnd, e.TimeZone);
            if (start is null || end is null)
            {
                // The new rules skip the local time the organizer chose: no honest instant exists,
                // so the event keeps the one it had and its organizer should choose again.
                LogSkipped(e.Id, e.LocalStart, e.TimeZone);
                continue;
            }
            if (start.Value.Instant == e.StartsAt && end.Value.Instant == e.EndsAt)
            {
                continue;
            }
            var before = new { e.StartsAt, e.EndsAt };
            e.StartsAt = start.Value.Instant;
            e.EndsAt = end.Value.Instant;
            e.Sequence++;
            e.UpdatedAt = now;
            db.Audit(null, "system: time-zone rules", "event.instants-recomputed", "event", e.Id, before, new { e.StartsAt, e.EndsAt }, now);
            moved++;
        }
        if (moved > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            LogMoved(moved);
        }
        return moved;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} events' instants moved: their zones' rules changed")]
    private partial void LogMoved(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventId}: {LocalStart} does not exist in {Zone} under the current rules; its instant was kept")]
    private partial void LogSkipped(Guid eventId, DateTime localStart, string zone);
}
