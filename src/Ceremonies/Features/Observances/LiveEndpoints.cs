using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Ceremonies.Data;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Observances;

// The live stream of an occurrence's signals for venue displays. Public: it says only what the
// occurrence's public page says, and when. A display starts the silence by its own synchronised
// clock; this stream confirms it, so a signal is sent at its instant and never before.
public static class LiveEndpoints
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    // How soon a browser's EventSource comes back after a dropped connection (its default is ~3 s).
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(2);

    public static RouteHandlerBuilder MapLive(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/occurrences/{id:guid}/live", Live).WithTags("Observances").AllowAnonymous()
            .WithSummary("Server-Sent Events: the schedule, then prepare, begin and end at their instants");

    public static async Task<Results<ServerSentEventsResult<object>, ProblemHttpResult>> Live(
        Guid id, Guid? venue, [FromHeader(Name = "Last-Event-ID")] string? lastEventId, CeremoniesDb db, TimeProvider clock,
        IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        var prepareMinutes = await db.Occurrences.Where(o => o.Id == id)
            .Join(db.Observances, o => o.ObservanceId, s => s.Id, (o, s) => (int?)s.PrepareMinutesBefore)
            .FirstOrDefaultAsync(cancellationToken);
        if (prepareMinutes is not { } prepare)
        {
            return Problems.NotFound("occurrence");
        }
        var venues = (await OccurrenceQueries.ParticipantsAsync(db, id, cancellationToken))
            .Where(v => venue is not { } only || v.VenueId == only).ToList();
        if (venue is not null && venues.Count == 0)
        {
            return Problems.NotFound("venue taking part in this occurrence");
        }
        var signals = LiveSchedule.Signals(venues, prepare, lastEventId);
        var schedule = venues.Select(v => new LiveVenue(v.VenueId, v.BeginsAt, v.EndsAt, v.TimeZone, v.LocalDate, v.LocalTime)).ToList();
        return TypedResults.ServerSentEvents(Stream(id, schedule, signals, clock, lifetime.ApplicationStopping, cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<object>> Stream(
        Guid occurrenceId, IReadOnlyList<LiveVenue> venues, IReadOnlyList<LiveSignal> signals, TimeProvider clock,
        CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellationToken);
        var ct = both.Token;
        // No id: the schedule is a fresh picture on every (re)connect and must not move Last-Event-ID.
        yield return new SseItem<object>(new LiveScheduleEvent(occurrenceId, clock.GetUtcNow(), venues), "schedule")
        {
            ReconnectionInterval = Reconnect,
        };
        foreach (var signal in signals)
        {
            while (clock.GetUtcNow() < signal.At)
            {
                var wait = signal.At - clock.GetUtcNow();
                var beat = wait >= Heartbeat;
                // Rounded up to a whole millisecond: a timer never wakes finer than that, and a wait
                // rounded down would spin. A timer that wakes early anyway is caught by the loop.
                await Task.Delay(beat ? Heartbeat : TimeSpan.FromMilliseconds(Math.Ceiling(Math.Max(wait.TotalMilliseconds, 1))), clock, ct)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                // The display went away or the server is stopping: the stream ends (a display
                // reconnects by itself), rather than ending in an exception logged as an error.
                if (ct.IsCancellationRequested)
                {
                    yield break;
                }
                if (beat && clock.GetUtcNow() < signal.At)
                {
                    yield return new SseItem<object>(new LiveHeartbeat(clock.GetUtcNow()), "heartbeat");
                }
            }
            yield return new SseItem<object>(new LiveSignalEvent(occurrenceId, signal.Signal, signal.At, signal.VenueIds), signal.Signal.ToString().ToLowerInvariant())
            {
                EventId = signal.Id,
            };
        }
    }
}
