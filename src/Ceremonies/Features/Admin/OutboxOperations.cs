using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Data.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Admin;

public enum RetryOutcome
{
    Retried,
    Unknown,
    NotGivenUp,
    PastDeadline,
}

// Message is the row after the retry, or as found when it was refused; null when there is none.
public sealed record OutboxRetry(RetryOutcome Outcome, OutboxMessageView? Message);

// What the operators see of the outbox and the one thing they do to it, for the admin API and the
// admin page alike.
public static class OutboxOperations
{
    public const int RecentFailures = 20;

    public static async Task<OutboxReport> ReadAsync(CeremoniesDb db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One pass over the table; a pending message falls in one group by due, leased and failed.
        var groups = await db.Outbox
            .GroupBy(m => new
            {
                m.State,
                Due = m.State == OutboxState.Pending && m.DueAt <= now,
                Leased = m.State == OutboxState.Pending && m.LockedUntil != null && m.LockedUntil > now,
                Failed = m.State == OutboxState.Pending && m.LastError != null,
            })
            .Select(g => new { g.Key.State, g.Key.Due, g.Key.Leased, g.Key.Failed, Count = g.Count(), OldestDue = g.Min(m => m.DueAt) })
            .ToListAsync(cancellationToken);
        var pending = groups.Where(g => g.State == OutboxState.Pending).ToList();
        int Count(OutboxState state) => groups.Where(g => g.State == state).Sum(g => g.Count);
        // The exact moment of a failure is not stored (the dispatcher keeps only the next due time),
        // so the latest due time comes first: a waiting message's next attempt, a dead one's last.
        var failures = await db.Outbox.AsNoTracking()
            .Where(m => m.LastError != null && (m.State == OutboxState.Pending || m.State == OutboxState.Dead))
            .OrderByDescending(m => m.DueAt).ThenByDescending(m => m.Id)
            .Take(RecentFailures)
            .Select(OutboxMessageView.Projection)
            .ToListAsync(cancellationToken);
        var byKind = await db.Outbox
            .GroupBy(m => new { Kind = m.Renderer ?? "mail", m.State })
            .Select(g => new OutboxKindCount(g.Key.Kind, g.Key.State, g.Count()))
            .ToListAsync(cancellationToken);
        return new OutboxReport(
            now,
            Pending: pending.Sum(g => g.Count),
            DueNow: pending.Where(g => g.Due).Sum(g => g.Count),
            WaitingForRetry: pending.Where(g => g.Failed && !g.Leased).Sum(g => g.Count),
            Leased: pending.Where(g => g.Leased).Sum(g => g.Count),
            Sent: Count(OutboxState.Sent),
            Dead: Count(OutboxState.Dead),
            Cancelled: Count(OutboxState.Cancelled),
            OldestPendingDueAt: pending.Count == 0 ? null : pending.Min(g => g.OldestDue),
            failures,
            [.. byKind.OrderBy(k => k.Kind, StringComparer.Ordinal).ThenBy(k => k.State)]);
    }

    // A given-up message goes back to the queue as if new: due now, no attempts, no error. The
    // dispatcher then backs off from its first step again, and the message leaves the list of failures
    // until it fails anew; the error it had stays in the audit entry's "before". Its idempotency key is
    // kept, so it goes out with the Message-ID it would always have had. The row is locked while it is
    // read and changed, so of two admins retrying at once one is told it is no longer given up.
    public static Task<OutboxRetry> RetryAsync(
        CeremoniesDb db, Guid id, ClaimsPrincipal actor, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async cancellationToken =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var found = await db.Outbox.FromSql($"SELECT * FROM outbox_messages WHERE id = {id} FOR UPDATE").ToListAsync(cancellationToken);
            if (found is not [var message])
            {
                return new OutboxRetry(RetryOutcome.Unknown, null);
            }
            var before = OutboxMessageView.Of(message);
            if (message.State != OutboxState.Dead)
            {
                return new OutboxRetry(RetryOutcome.NotGivenUp, before);
            }
            // Nothing is sent after its deadline (a reminder after the event began): it would only die again.
            if (message.DeadlineAt <= now)
            {
                return new OutboxRetry(RetryOutcome.PastDeadline, before);
            }
            message.State = OutboxState.Pending;
            message.DueAt = now;
            message.Attempts = 0;
            message.LastError = null;
            message.LockedBy = null;
            message.LockedUntil = null;
            var after = OutboxMessageView.Of(message);
            db.Audit(actor, "outbox-message.retried", "outbox-message", message.Id, before, after, now);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new OutboxRetry(RetryOutcome.Retried, after);
        }, cancellationToken);

    // Why a retry was refused, in words for the API's problem and the page's notice.
    public static string Refusal(OutboxRetry retry) => retry switch
    {
        { Outcome: RetryOutcome.Unknown } => "No such outbox message.",
        { Outcome: RetryOutcome.NotGivenUp, Message: { } m } => $"Only a given-up message can be retried; this one is {Word(m.State)}.",
        { Outcome: RetryOutcome.PastDeadline } => "Its deadline has passed, so it will not be sent.",
        _ => "",
    };

    private static string Word(OutboxState state) => state.ToString().ToLowerInvariant();
}
