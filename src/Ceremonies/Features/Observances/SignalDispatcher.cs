using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Ceremonies.Data;
using Ceremonies.Infrastructure;
using Ceremonies.Infrastructure.Outbox;
using Ceremonies.Infrastructure.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Observances;

// A signal claimed for sending, with what its sending needs from the venue and its minute.
public sealed record ClaimedSignal(
    Guid Id, Guid OccurrenceId, Guid VenueId, string Signal, DateTimeOffset DueAt, DateTimeOffset DeadlineAt, int Attempts,
    string? WebhookUrl, string? WebhookSecret, DateTimeOffset BeginsAt, DateTimeOffset EndsAt);

// The JSON a venue's PA system receives.
public sealed record SignalPayload(string Signal, Guid OccurrenceId, Guid VenueId, DateTimeOffset BeginsAt, DateTimeOffset EndsAt, Guid DeliveryId, DateTimeOffset SentAt);

// Written by the source generator: no reflection and no code emitted at run time, so the first
// signal a process ever sends costs no more than the others.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SignalPayload))]
internal sealed partial class SignalJson : JsonSerializerContext;

// Sends every signal that is due, from any worker: each claims chunks of due rows (FOR UPDATE SKIP
// LOCKED, with a short lease), posts them all at once, and records each outcome and attempt. A
// failure is tried again with backoff while its deadline allows, and never after it.
public sealed partial class SignalDispatcher(
    CeremoniesDb db,
    WebhookSender webhooks,
    WebhookConnections connections,
    TimeProvider clock,
    NodeIdentity node,
    IOptions<SignalOptions> options,
    IOptions<WebhookOptions> webhookOptions,
    ILogger<SignalDispatcher> logger)
{
    private readonly SignalOptions _options = options.Value;
    private readonly WebhookOptions _webhooks = webhookOptions.Value;

    private readonly record struct Outcome(ClaimedSignal Signal, DeliveryState State, DateTimeOffset DueAt, WebhookResult? Result, DateTimeOffset? AttemptedAt);

    // Sends what is due at the instant: claims it ahead (all of it, chunk by chunk, before the
    // instant), waits for the instant (never sending before it), sends everything at once, and then
    // whatever else has come due. Returns the earliest moment a signal it failed to deliver is due
    // again, for the caller to arm.
    public async Task<DateTimeOffset?> RunAsync(DateTimeOffset instant, CancellationToken cancellationToken)
    {
        var ahead = new List<(ClaimedSignal, WebhookCall?)>();
        while (clock.GetUtcNow() < instant)
        {
            var chunk = await ClaimAsync(instant, instant + _options.Lease, cancellationToken);
            // Written and signed now, so that at the instant there is only the sending left.
            ahead.AddRange(chunk.Select(c => (c, c.WebhookUrl is null || c.WebhookSecret is null ? null : Prepare(c, instant))));
            if (chunk.Count < _options.ChunkSize)
            {
                break;
            }
        }
        // The connections too, so that at the instant no call waits for one; stopped short of it.
        // Plain-http calls get theirs with their request written out (one write each at the
        // instant); the others' TCP connections are opened for the HTTP client to take.
        var calls = ahead.Where(a => a.Item2 is not null).Select(a => a.Item2!).ToList(); // the prepared ones have a webhook
        var claimedBefore = instant - clock.GetUtcNow();
        using var volley = await WebhookVolley.OpenAsync(connections, calls, _webhooks.OpenAhead, instant - clock.GetUtcNow() - OpenAheadMargin, clock, cancellationToken);
        using var opened = await connections.OpenAheadAsync(
            calls.Where(c => !volley.Holds(c)).Select(c => c.Url), instant - clock.GetUtcNow() - OpenAheadMargin, cancellationToken);
        var left = instant - clock.GetUtcNow();
        LogReady(ahead.Count, instant, claimedBefore.TotalMilliseconds, volley.Count, left.TotalMilliseconds);
        await WaitUntilAsync(instant, cancellationToken);
        volley.Fire();
        return await SendAllAsync(ahead, volley, claimMore: true, cancellationToken);
    }

    // Opening stops this long before the instant: connects still in flight then take some tens of
    // milliseconds to give up on a busy machine (measured: 70 ms with 10,000 being opened).
    private static readonly TimeSpan OpenAheadMargin = TimeSpan.FromMilliseconds(150);

    // Once, as a worker starts: the whole sending path run against the process itself (calls posted
    // to its own address, their outcomes written to nothing), so that no code of it is compiled at
    // the first real instant; enough calls that the runtime also recompiles the hot part optimised
    // long before any instant, rather than on the two cores the burst needs. A
    // drill measured a worker's first begin 9-17 ms late without it. Where loopback targets are not
    // allowed each call is refused before it connects, which still runs all of the path but the socket.
    public async Task RehearseAsync(Uri self, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var calls = Enumerable.Range(0, RehearsalCalls).Select(_ =>
        {
            var signal = new ClaimedSignal(Guid.Empty, Guid.Empty, Guid.Empty, "rehearsal", now, now.AddSeconds(5), 1, self.AbsoluteUri, "rehearsal", now, now);
            return (signal, (WebhookCall?)Prepare(signal, now));
        }).ToList();
        // In rounds a second apart: the runtime first recompiles a hot method with probes, then
        // optimised once the probed code has run as often again; calls all at once would leave
        // that second step to the burst.
        var prepared = calls.Select(c => c.Item2!).ToList();
        for (var round = 0; round < RehearsalRounds; round++)
        {
            // Half of them in a volley, half through the HTTP client, as at an instant.
            using (var volley = await WebhookVolley.OpenAsync(connections, prepared.Take(RehearsalCalls / 2), RehearsalCalls, TimeSpan.FromSeconds(1), clock, cancellationToken))
            using (await connections.OpenAheadAsync(prepared.Skip(RehearsalCalls / 2).Select(c => c.Url), TimeSpan.FromSeconds(1), cancellationToken))
            {
                volley.Fire(writers: 2);
                await SendAllAsync(calls, volley, claimMore: false, cancellationToken);
            }
            await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken);
        }
    }

    private const int RehearsalCalls = 40;

    private const int RehearsalRounds = 3;

    private static readonly TimeSpan RecordEvery = TimeSpan.FromMilliseconds(500);

    // Quartz may wake a trigger early, and Task.Delay rounds to the timer's tick: sleep to just
    // short of the instant, then spin to it.
    private async Task WaitUntilAsync(DateTimeOffset instant, CancellationToken cancellationToken)
    {
        while (clock.GetUtcNow() < instant)
        {
            var left = instant - clock.GetUtcNow();
            if (left > TimeSpan.FromMilliseconds(20))
            {
                await Task.Delay(left - TimeSpan.FromMilliseconds(15), clock, cancellationToken);
            }
            else
            {
                Thread.SpinWait(200);
            }
        }
    }

    private async Task<DateTimeOffset?> SendAllAsync(
        List<(ClaimedSignal, WebhookCall?)> ahead, WebhookVolley volley, bool claimMore, CancellationToken cancellationToken)
    {
        var outcomes = Channel.CreateUnbounded<Outcome>(new UnboundedChannelOptions { SingleReader = true });
        using var slots = new SemaphoreSlim(_webhooks.Concurrency);
        var sends = new List<Task>();
        var inFlight = 0;
        var arrived = new List<Outcome>();
        var recorded = clock.GetTimestamp();
        var more = claimMore;
        DateTimeOffset? retryAt = null;
        foreach (var (signal, prepared) in ahead)
        {
            inFlight++;
            sends.Add(SendAsync(signal, prepared, volley, slots, outcomes.Writer, cancellationToken));
        }
        // One loop uses the database (a context runs one command at a time): it claims the next
        // chunk while the last one is on its way, and records outcomes as they come.
        while (more || inFlight > 0)
        {
            if (more)
            {
                var now = clock.GetUtcNow();
                var chunk = await ClaimAsync(now, now + _options.Lease, cancellationToken);
                more = chunk.Count == _options.ChunkSize;
                foreach (var signal in chunk)
                {
                    inFlight++;
                    sends.Add(SendAsync(signal, null, volley, slots, outcomes.Writer, cancellationToken));
                }
            }
            else if (arrived.Count == 0)
            {
                await outcomes.Reader.WaitToReadAsync(cancellationToken);
            }
            else if (RecordEvery - clock.GetElapsedTime(recorded) is var left && left > TimeSpan.Zero)
            {
                // Outcomes wait to be written: let more gather until it is time (one timer a round,
                // not one per outcome), so that a slow venue does not hold back the others' records either.
                await Task.Delay(left, clock, cancellationToken);
            }
            while (outcomes.Reader.TryRead(out var outcome))
            {
                arrived.Add(outcome);
                inFlight--;
            }
            // While calls are still going out, outcomes are written at most every RecordEvery: the
            // database's work would otherwise take the cores the burst needs (a profile of 10,000
            // calls found PostgreSQL at a fifth of the CPU). The claims' leases outlast the wait.
            if (arrived.Count > 0 && (inFlight == 0 || clock.GetElapsedTime(recorded) >= RecordEvery))
            {
                await RecordAsync(arrived);
                recorded = clock.GetTimestamp();
                var retry = arrived.Where(o => o.State == DeliveryState.Pending).Select(o => (DateTimeOffset?)o.DueAt).Min();
                retryAt = retry is null ? retryAt : retryAt is null || retry < retryAt ? retry : retryAt;
                arrived = [];
            }
        }
        await Task.WhenAll(sends);
        return retryAt;
    }

    // Signals due by the moment and free (never claimed, or their claim lapsed), up to a chunk.
    private async Task<List<ClaimedSignal>> ClaimAsync(DateTimeOffset dueBy, DateTimeOffset leaseEnd, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return await db.Database.SqlQuery<ClaimedSignal>($"""
            WITH claimed AS (
                UPDATE signal_deliveries
                   SET locked_by = {node.Name}, locked_until = {leaseEnd}, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM signal_deliveries
                               WHERE state = 'pending' AND due_at <= {dueBy}
                                 AND (locked_until IS NULL OR locked_until <= {now})
                               ORDER BY due_at
                               LIMIT {_options.ChunkSize}
                                 FOR UPDATE SKIP LOCKED)
                RETURNING id, occurrence_id, venue_id, signal, due_at, deadline_at, attempts)
            SELECT c.id, c.occurrence_id, c.venue_id, c.signal, c.due_at, c.deadline_at, c.attempts,
                   v.webhook_url, v.webhook_secret, p.begins_at, p.ends_at
              FROM claimed c
              JOIN venues v ON v.id = c.venue_id
              JOIN occurrence_venues p ON p.occurrence_id = c.occurrence_id AND p.venue_id = c.venue_id
            """).ToListAsync(cancellationToken);
    }

    private WebhookCall Prepare(ClaimedSignal signal, DateTimeOffset sentAt) =>
        webhooks.Prepare(new Uri(signal.WebhookUrl!), signal.WebhookSecret!, JsonSerializer.Serialize(
            new SignalPayload(signal.Signal, signal.OccurrenceId, signal.VenueId, signal.BeginsAt, signal.EndsAt, signal.Id, sentAt),
            SignalJson.Default.SignalPayload), signal.Id); // only called for signals with a webhook

    private async Task SendAsync(
        ClaimedSignal signal, WebhookCall? prepared, WebhookVolley volley, SemaphoreSlim slots, ChannelWriter<Outcome> outcomes, CancellationToken cancellationToken)
    {
        if (signal.WebhookUrl is null || signal.WebhookSecret is null)
        {
            outcomes.TryWrite(new Outcome(signal, DeliveryState.Skipped, signal.DueAt, null, null));
            return;
        }
        // Already written with the volley, outside the limit on calls in flight: only its answer is awaited.
        if (prepared is not null && volley.Holds(prepared))
        {
            var answer = await volley.AnswerAsync(prepared, Timeout(signal, clock.GetUtcNow()), cancellationToken);
            if (answer is { } result)
            {
                outcomes.TryWrite(Judge(signal, volley.FiredAt, result));
                return;
            }
        }
        await slots.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow();
            if (now >= signal.DeadlineAt)
            {
                outcomes.TryWrite(new Outcome(signal, DeliveryState.Failed, signal.DueAt, new WebhookResult(null, "its deadline passed before it could be sent", TimeSpan.Zero), null));
                return;
            }
            var result = await webhooks.SendAsync(prepared ?? Prepare(signal, now), Timeout(signal, now), cancellationToken);
            outcomes.TryWrite(Judge(signal, now, result));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            outcomes.TryWrite(Judge(signal, clock.GetUtcNow(), new WebhookResult(null, e.Message, TimeSpan.Zero)));
        }
        finally
        {
            slots.Release();
        }
    }

    // Never past the deadline: a begin that would arrive after the minute has ended is not sent.
    private TimeSpan Timeout(ClaimedSignal signal, DateTimeOffset now) =>
        signal.DeadlineAt - now < TimeSpan.FromSeconds(_webhooks.TimeoutSeconds) ? signal.DeadlineAt - now : TimeSpan.FromSeconds(_webhooks.TimeoutSeconds);

    private Outcome Judge(ClaimedSignal signal, DateTimeOffset attemptedAt, WebhookResult result)
    {
        if (result.Delivered)
        {
            return new Outcome(signal, DeliveryState.Delivered, signal.DueAt, result, attemptedAt);
        }
        var wait = RetryBackoff.After(signal.Attempts,
            TimeSpan.FromMilliseconds(_options.RetryBaseMilliseconds), TimeSpan.FromMilliseconds(_options.RetryMaxMilliseconds));
        var next = clock.GetUtcNow() + RetryBackoff.Jittered(wait, 0.2, Random.Shared.NextDouble());
        return next < signal.DeadlineAt
            ? new Outcome(signal, DeliveryState.Pending, next, result, attemptedAt)
            : new Outcome(signal, DeliveryState.Failed, signal.DueAt, result, attemptedAt);
    }

    // One statement for many outcomes: each delivery's new state and, for each attempt, its record.
    private async Task RecordAsync(List<Outcome> outcomes)
    {
        var ids = outcomes.Select(o => o.Signal.Id).ToArray();
        var states = outcomes.Select(o => SnakeCase.Text(o.State)).ToArray();
        var due = outcomes.Select(o => o.DueAt).ToArray();
        var delivered = outcomes.Select(o => o.State == DeliveryState.Delivered ? o.AttemptedAt + o.Result!.Value.Elapsed : null).ToArray(); // Delivered always carries its result
        var status = outcomes.Select(o => o.Result?.Status).ToArray();
        var errors = outcomes.Select(o => o.Result?.Error).ToArray();
        var attempted = outcomes.Select(o => o.AttemptedAt).ToArray();
        var elapsed = outcomes.Select(o => (int)(o.Result?.Elapsed.TotalMilliseconds ?? 0)).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            WITH outcome AS (
                SELECT * FROM unnest({ids}, {states}, {due}, {delivered}, {status}, {errors}, {attempted}, {elapsed})
                    AS o(id, state, due_at, delivered_at, status, error, attempted_at, elapsed_ms)),
            recorded AS (
                UPDATE signal_deliveries d
                   SET state = o.state, due_at = o.due_at, delivered_at = o.delivered_at,
                       last_status = coalesce(o.status, d.last_status), last_error = o.error,
                       locked_by = NULL, locked_until = NULL
                  FROM outcome o
                 WHERE d.id = o.id AND d.locked_by = {node.Name} AND d.state = 'pending'
                RETURNING d.id)
            INSERT INTO signal_attempts (delivery_id, node, attempted_at, elapsed_ms, status, error)
            SELECT o.id, {node.Name}, o.attempted_at, o.elapsed_ms, o.status, o.error
              FROM outcome o
             WHERE o.attempted_at IS NOT NULL AND o.id IN (SELECT id FROM recorded)
            """, CancellationToken.None);
        foreach (var failed in outcomes.Where(o => o.State == DeliveryState.Failed))
        {
            LogGaveUp(failed.Signal.Signal, failed.Signal.VenueId, failed.Signal.Attempts, failed.Result?.Error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Claimed} signals due at {Instant:O} claimed and signed {ClaimedBeforeMs:0} ms before it; {Written} written out on connections opened ahead, {LeftMs:0} ms before it")]
    private partial void LogReady(int claimed, DateTimeOffset instant, double claimedBeforeMs, int written, double leftMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Signal} signal to venue {VenueId} was given up after {Attempts} attempts: {Error}")]
    private partial void LogGaveUp(string signal, Guid venueId, int attempts, string? error);
}
