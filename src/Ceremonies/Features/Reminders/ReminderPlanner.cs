using Ceremonies.Data;
using Ceremonies.Infrastructure.Outbox;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ceremonies.Features.Reminders;

// What one plan did: reminders written and withdrawn; Held when some to withdraw were being sent
// (it is tried again in a few seconds); Error when it failed (tried again later, the others first).
public sealed record PlanResult(string Kind, Guid TargetId, int Planned, int Cancelled, int Held = 0, string? Error = null);

// Plans the reminders of one target at a time, from the requests the database's triggers (and the
// subscription actions) write in the transaction of each change: an event listed, moved or taken
// down; an occurrence created or its minute moved; a venue joining or leaving it; a subscription
// confirmed, changed or stopped. Each plan is one statement over all the subscribers concerned: it
// withdraws their pending reminders that no longer fit and writes the missing ones into the outbox,
// each under its idempotency key (address + what + moment + offset), so planning twice changes
// nothing and nobody gets the same reminder twice.
//
// A reminder whose time has already passed when it is planned (someone subscribes two hours before
// an event, with "1 day" and "3 hours" chosen): of those passed, only the one closest to the moment
// is sent, at once, if the moment is still ahead and no reminder of that moment has reached the
// address since its time; the others are skipped. Nothing is sent after the moment: it is each
// reminder's deadline.
public sealed partial class ReminderPlanner(CeremoniesDb db, TimeProvider clock, ILogger<ReminderPlanner> logger)
{
    private static readonly TimeSpan RunBudget = TimeSpan.FromSeconds(30);

    // One plan of an event with 100,000 subscribers takes seconds (ops/bench/reminders); one that
    // runs for minutes is stopped and tried again later rather than holding its locks.
    private static readonly TimeSpan StatementTimeout = TimeSpan.FromMinutes(2);

    // Reminders being sent cannot be withdrawn under the worker; their plan comes back after this.
    private static readonly TimeSpan HeldWait = TimeSpan.FromSeconds(5);

    // Every few seconds, on any scheduler node: each takes requests the others are not planning.
    [AutomaticRetry(Attempts = 0)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var done = 0;
        while (clock.GetElapsedTime(started) < RunBudget && await PlanNextAsync(cancellationToken) is { } result)
        {
            done++;
            if (result is { Error: null, Held: 0 })
            {
                LogPlanned(result.Kind, result.TargetId, result.Planned, result.Cancelled);
            }
            else if (result.Error is null)
            {
                LogHeld(result.Kind, result.TargetId, result.Planned, result.Cancelled, result.Held);
            }
        }
        return done;
    }

    private sealed record Request(string Kind, Guid TargetId, DateTimeOffset RequestedAt, int Attempts);

    // The oldest request no other node holds and not waiting for a retry, planned and removed in one
    // transaction; null when none is left. A request whose plan fails is put back to wait a doubling
    // time (5 s, 10 s, … up to 10 min) with its error, so the requests behind it go on.
    public async Task<PlanResult?> PlanNextAsync(CancellationToken cancellationToken)
    {
        Request? current = null;
        try
        {
            return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
            {
                current = null;
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var now = clock.GetUtcNow();
                var waiting = await db.Database.SqlQuery<Request>($"""
                    SELECT kind, target_id, requested_at, attempts
                      FROM reminder_plans WHERE not_before IS NULL OR not_before <= {now}
                     ORDER BY requested_at LIMIT 50
                    """).ToListAsync(ct);
                foreach (var request in waiting)
                {
                    // Not a row lock: the trigger that writes a new request for the same target would
                    // wait on it, and with it the change that caused it.
                    var mine = await db.Database.SqlQuery<bool>(
                        $"SELECT pg_try_advisory_xact_lock(hashtextextended({request.Kind + ":" + request.TargetId}, 7415)) AS \"Value\"").SingleAsync(ct);
                    if (!mine)
                    {
                        continue;
                    }
                    current = request;
                    // Compiling the statement cost 1.6 s of a 8.7 s plan of 100,000 reminders
                    // (auto_explain in ops/bench/reminders): the cost that nested loops being off
                    // adds to the estimate put it far over the thresholds of JIT compilation. The
                    // statement runs once; compiling it never pays.
                    await db.Database.ExecuteSqlAsync($"SET LOCAL jit = off", ct);
                    if (request.Kind != "subscription")
                    {
                        // All the subscribers of one event or minute: the statement joins its own steps
                        // (what is chosen, what was written) by key, and PostgreSQL cannot know how many
                        // rows those steps hold. Guessing one, it looped over one for each row of the
                        // other: with 20,000 subscribers freshly written (no statistics yet) the statement
                        // ran past the 30 s command timeout three times in a row, and an event moved with
                        // many pending reminders would do the same in the withdrawal (ops/bench/reminders).
                        // Hash joins cost one pass over each side whatever the counts.
                        await db.Database.ExecuteSqlAsync($"SET LOCAL enable_nestloop = off", ct);
                    }
                    var counts = await PlanAsync(request.Kind, request.TargetId, now, ct);
                    if (counts.Held > 0)
                    {
                        await db.Database.ExecuteSqlAsync($"""
                            UPDATE reminder_plans SET not_before = {now + HeldWait}
                             WHERE kind = {request.Kind} AND target_id = {request.TargetId} AND requested_at = {request.RequestedAt}
                            """, ct);
                    }
                    else
                    {
                        // A request written meanwhile (a later requested_at) stays for the next run.
                        await db.Database.ExecuteSqlAsync(
                            $"DELETE FROM reminder_plans WHERE kind = {request.Kind} AND target_id = {request.TargetId} AND requested_at = {request.RequestedAt}", ct);
                    }
                    await transaction.CommitAsync(ct);
                    return new PlanResult(request.Kind, request.TargetId, counts.Planned, counts.Cancelled, counts.Held);
                }
                return null;
            }, cancellationToken);
        }
        catch (Exception e) when (current is { } failed && !cancellationToken.IsCancellationRequested)
        {
            var attempts = failed.Attempts + 1;
            var retryAt = clock.GetUtcNow() + RetryBackoff.After(attempts, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10));
            var message = e.GetBaseException().Message; // not the retry strategy's "gave up"
            var error = message.Length <= 2000 ? message : message[..2000];
            LogFailed(e, failed.Kind, failed.TargetId, attempts, retryAt);
            await db.Database.ExecuteSqlAsync($"""
                UPDATE reminder_plans SET attempts = {attempts}, not_before = {retryAt}, last_error = {error}
                 WHERE kind = {failed.Kind} AND target_id = {failed.TargetId} AND requested_at = {failed.RequestedAt}
                """, CancellationToken.None);
            return new PlanResult(failed.Kind, failed.TargetId, 0, 0, Error: error);
        }
    }

    private sealed record Counts(int Planned, int Cancelled, int Held);

    // An empty jsonb object, kept out of the interpolated SQL whose braces are its holes, and
    // doubled for SqlQueryRaw, which reads the SQL as a format string.
    private const string NoHeaders = "'{{}}'";

    private async Task<Counts> PlanAsync(string kind, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Which subscribers, which events and which minutes the plan covers. All confirmed
        // subscribers of one event or occurrence; every subscription of one address (its choices
        // changed, or one of them stopped: a reminder shared by two of them moves to the other).
        const string sameAddress = "lower(s.email) = (SELECT lower(email) FROM subscriptions WHERE id = @id)";
        var (subscribers, events, occurrences, atVenues, planned) = kind switch
        {
            "event" => ("true", "e.id = @id", "false", "false", "r.event_id = @id"),
            "occurrence" => ("true", "false", "o.id = @id", "ov.occurrence_id = @id", "r.occurrence_id = @id"),
            "subscription" => (sameAddress, "true", "true", "true",
                "r.subscription_id IN (SELECT s.id FROM subscriptions s WHERE " + sameAddress + ")"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown kind of reminder plan"),
        };
        var sql = $"""
            WITH moments AS (
                SELECT s.id AS subscription_id, s.email, s.offset_minutes, e.id AS event_id, NULL::uuid AS occurrence_id,
                       NULL::uuid AS venue_id, e.starts_at AS moment_at
                  FROM events e JOIN subscriptions s ON s.follows = 'event' AND s.event_id = e.id
                 WHERE e.published AND e.starts_at > @now AND {events} AND s.state = 'confirmed' AND {subscribers}
                UNION ALL
                SELECT s.id, s.email, s.offset_minutes, e.id, NULL, NULL, e.starts_at
                  FROM events e JOIN subscriptions s ON s.follows = 'country' AND s.country = e.country
                 WHERE e.published AND e.starts_at > @now AND {events} AND s.state = 'confirmed' AND {subscribers}
                UNION ALL
                SELECT s.id, s.email, s.offset_minutes, e.id, NULL, NULL, e.starts_at
                  FROM events e JOIN halls h ON h.id = e.hall_id JOIN subscriptions s ON s.follows = 'venue' AND s.venue_id = h.venue_id
                 WHERE e.published AND e.starts_at > @now AND {events} AND s.state = 'confirmed' AND {subscribers}
                UNION ALL
                SELECT s.id, s.email, s.offset_minutes, NULL, o.id, NULL, o.silence_at
                  FROM occurrences o JOIN subscriptions s ON s.follows = 'observance' AND s.observance_id = o.observance_id
                 WHERE o.silence_at > @now AND {occurrences} AND s.state = 'confirmed' AND {subscribers}
                UNION ALL
                SELECT s.id, s.email, s.offset_minutes, NULL, ov.occurrence_id, ov.venue_id, ov.begins_at
                  FROM occurrence_venues ov JOIN subscriptions s ON s.follows = 'venue' AND s.venue_id = ov.venue_id
                 WHERE ov.begins_at > @now AND {atVenues} AND s.state = 'confirmed' AND {subscribers}
            ),
            offsets AS (
                SELECT m.*, x.minutes, m.moment_at - make_interval(mins => x.minutes) AS due_at,
                       'reminder:' || md5(lower(m.email)) || ':' || coalesce('event:' || m.event_id, 'occurrence:' || m.occurrence_id)
                         || ':' || to_char(m.moment_at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS') || ':' || x.minutes AS key
                  FROM moments m CROSS JOIN LATERAL unnest(m.offset_minutes) AS x(minutes)
            ),
            ranked AS (
                SELECT o.*,
                       row_number() OVER (PARTITION BY o.key ORDER BY o.subscription_id) AS copy,
                       row_number() OVER (PARTITION BY lower(o.email), o.event_id, o.occurrence_id, o.moment_at, o.due_at <= @now
                                          ORDER BY o.due_at DESC, o.subscription_id) AS nearest
                  FROM offsets o
            ),
            -- When each address last had a reminder of each moment still ahead, of this plan's
            -- (found by primary key: a join by hash alone would read the whole outbox).
            last_sent AS (
                SELECT lower(m.recipient) AS address, coalesce(r.event_id, r.occurrence_id) AS target, r.moment_at, max(m.sent_at) AS sent_at
                  FROM outbox_messages m JOIN reminders r ON r.message_id = m.id
                 WHERE m.state = 'sent'
                   AND m.id = ANY (ARRAY(SELECT r.message_id FROM reminders r WHERE {planned} AND r.moment_at > @now))
                 GROUP BY 1, 2, 3
            ),
            -- A passed one goes out late only if the address has had no reminder of that moment since
            -- its time: one sent late for "3 hours", then "3 hours" dropped, does not make "1 day" the
            -- nearest passed one and send a second late mail. (One already sent is left out too: it
            -- is out, and only pending reminders are withdrawn.)
            chosen AS (
                SELECT c.* FROM ranked c
                  LEFT JOIN last_sent l
                    ON l.address = lower(c.email) AND l.target = coalesce(c.event_id, c.occurrence_id) AND l.moment_at = c.moment_at
                 WHERE c.copy = 1 AND (c.due_at > @now OR (c.nearest = 1 AND (l.sent_at IS NULL OR l.sent_at < c.due_at)))
            ),
            unplanned AS (
                SELECT m.id
                  FROM reminders r JOIN outbox_messages m ON m.id = r.message_id
                 WHERE m.state = 'pending' AND {planned}
                   AND NOT EXISTS (SELECT 1 FROM chosen c WHERE c.key = m.idempotency_key)
            ),
            -- Not one a worker holds: it may be on the wire. Withdrawn under it, the send would be
            -- recorded nowhere and a later plan could revive and send it again. The lease is read
            -- on the row as it is updated (a worker may claim it while this statement runs), and
            -- the plan is tried again once the lease is over.
            withdrawn AS (
                UPDATE outbox_messages m
                   SET state = 'cancelled', last_error = 'no longer planned: the moment moved, was taken down, or the subscriber changed their choices',
                       locked_by = NULL, locked_until = NULL
                  FROM unplanned u
                 WHERE m.id = u.id AND m.state = 'pending' AND (m.locked_until IS NULL OR m.locked_until <= @now)
                RETURNING m.id
            ),
            -- New keys are written; a key already there is left alone unless it was withdrawn and is
            -- wanted again. (An upsert would lock every existing row of the plan, and a worker's
            -- claim would wait on them.)
            written AS (
                INSERT INTO outbox_messages (id, idempotency_key, recipient, subject, body_text, renderer, created_at, due_at, deadline_at,
                                             state, attempts, attachments, headers)
                SELECT gen_random_uuid(), c.key, c.email, '', '', 'reminder', @now, greatest(c.due_at, @now), c.moment_at,
                       'pending', 0, '[]', {NoHeaders}
                  FROM chosen c
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING id, idempotency_key
            ),
            revived AS (
                UPDATE outbox_messages m
                   SET state = 'pending', due_at = greatest(c.due_at, @now), deadline_at = c.moment_at, recipient = c.email,
                       attempts = 0, last_error = NULL, locked_by = NULL, locked_until = NULL
                  FROM chosen c
                 WHERE m.idempotency_key = c.key AND m.state = 'cancelled'
                   -- Among the plan's own reminders, found by the primary key: joined by hash alone
                   -- (no nested loops here), the whole outbox, sent mail included, would be read to
                   -- find the few withdrawn. Every withdrawn reminder has its row in reminders
                   -- (pruning a subscription deletes its unsent ones with it).
                   AND m.id = ANY (ARRAY(SELECT r.message_id FROM reminders r WHERE {planned}))
                RETURNING m.id, m.idempotency_key
            ),
            linked AS (
                INSERT INTO reminders (message_id, subscription_id, event_id, occurrence_id, venue_id, moment_at, offset_minutes)
                SELECT w.id, c.subscription_id, c.event_id, c.occurrence_id, c.venue_id, c.moment_at, c.minutes
                  FROM (SELECT * FROM written UNION ALL SELECT * FROM revived) w JOIN chosen c ON c.key = w.idempotency_key
                ON CONFLICT (message_id) DO UPDATE SET subscription_id = EXCLUDED.subscription_id, venue_id = EXCLUDED.venue_id
                RETURNING 1
            ),
            -- A reminder two subscriptions of one address share (the event, and its country) belongs
            -- to one of them; when that one stops or drops the offset, the other keeps it, and the
            -- reminder is written in its language and zone and unsubscribes from it.
            relinked AS (
                UPDATE reminders r SET subscription_id = c.subscription_id, venue_id = c.venue_id
                  FROM outbox_messages m, chosen c
                 WHERE m.id = r.message_id AND m.state = 'pending' AND c.key = m.idempotency_key AND {planned}
                   AND (r.subscription_id, r.venue_id) IS DISTINCT FROM (c.subscription_id, c.venue_id)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM linked)::int AS planned, (SELECT count(*) FROM withdrawn)::int AS cancelled,
                   ((SELECT count(*) FROM unplanned) - (SELECT count(*) FROM withdrawn))::int AS held
            """;
        // ToList, not Single: EF would wrap the statement in a SELECT, where data-modifying WITH is not allowed.
        var timeout = db.Database.GetCommandTimeout();
        db.Database.SetCommandTimeout(StatementTimeout);
        try
        {
            var counts = await db.Database.SqlQueryRaw<Counts>(sql,
                new NpgsqlParameter<Guid>("id", id), new NpgsqlParameter<DateTimeOffset>("now", now)).ToListAsync(cancellationToken);
            return counts[0];
        }
        finally
        {
            db.Database.SetCommandTimeout(timeout);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reminders of {Kind} {TargetId}: {Planned} planned, {Cancelled} withdrawn")]
    private partial void LogPlanned(string kind, Guid targetId, int planned, int cancelled);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reminders of {Kind} {TargetId}: {Planned} planned, {Cancelled} withdrawn, {Held} being sent (planned again shortly)")]
    private partial void LogHeld(string kind, Guid targetId, int planned, int cancelled, int held);

    [LoggerMessage(Level = LogLevel.Error, Message = "Planning the reminders of {Kind} {TargetId} failed (attempt {Attempts}); tried again at {RetryAt}")]
    private partial void LogFailed(Exception error, string kind, Guid targetId, int attempts, DateTimeOffset retryAt);
}
