using System.Globalization;

namespace Ceremonies.Features.Observances;

public sealed record LiveVenue(Guid VenueId, DateTimeOffset BeginsAt, DateTimeOffset EndsAt, string TimeZone, DateOnly LocalDate, TimeOnly LocalTime);

public sealed record LiveScheduleEvent(Guid OccurrenceId, DateTimeOffset ServerTime, IReadOnlyList<LiveVenue> Venues);

// One signal of the stream: the venues it is for share its instant (every venue in OneInstant mode).
public sealed record LiveSignal(string Id, Signal Signal, DateTimeOffset At, IReadOnlyList<Guid> VenueIds);

public sealed record LiveSignalEvent(Guid OccurrenceId, Signal Signal, DateTimeOffset At, IReadOnlyList<Guid> VenueIds);

public sealed record LiveHeartbeat(DateTimeOffset ServerTime);

// What the live stream sends and when: "prepare", "begin" and "end" for each venue, merged where
// venues share an instant, in time order. An event's id is its instant and signal, so it stays the
// same whichever server process a display reconnects to and whoever joined meanwhile: a reconnect
// sends only the signals after the one its Last-Event-ID names.
public static class LiveSchedule
{
    public static IReadOnlyList<LiveSignal> Signals(IEnumerable<ParticipantView> venues, int prepareMinutesBefore, string? lastEventId)
    {
        var after = Key(lastEventId);
        return [.. venues
            .SelectMany(v => new[]
            {
                (Signal: Signal.Prepare, At: v.BeginsAt.AddMinutes(-prepareMinutesBefore), v.VenueId),
                (Signal: Signal.Begin, At: v.BeginsAt, v.VenueId),
                (Signal: Signal.End, At: v.EndsAt, v.VenueId),
            })
            .GroupBy(s => (s.At.ToUnixTimeMilliseconds(), s.Signal))
            .Where(g => after is not { } last || g.Key.CompareTo(last) > 0)
            .OrderBy(g => g.Key)
            .Select(g => new LiveSignal(IdOf(g.Key), g.Key.Signal, g.First().At, [.. g.Select(s => s.VenueId).Distinct()]))];
    }

    private static string IdOf((long UnixMs, Signal Signal) key) =>
        string.Create(CultureInfo.InvariantCulture, $"{key.UnixMs}.{(int)key.Signal}");

    // An id the stream did not make (a stale or forged header) is ignored: the client gets everything.
    private static (long, Signal)? Key(string? eventId)
    {
        var parts = (eventId ?? "").Split('.');
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var unixMs)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var signal)
            && Enum.IsDefined((Signal)signal)
                ? (unixMs, (Signal)signal)
                : null;
    }
}
