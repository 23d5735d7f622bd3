using System.ComponentModel;
using System.Linq.Expressions;
using Ceremonies.Data.Outbox;

namespace Ceremonies.Features.Admin;

[Description("What the outbox holds, by state, and the messages whose last attempt failed.")]
public sealed record OutboxReport(
    [property: Description("When the counts were taken, by the server's clock.")] DateTimeOffset At,
    [property: Description("Messages neither sent nor given up, whether due or not.")] int Pending,
    [property: Description("Of the pending, those due now or earlier: the backlog.")] int DueNow,
    [property: Description("Of the pending, those whose last attempt failed and that wait for their next one (not leased).")] int WaitingForRetry,
    [property: Description("Of the pending, those a worker has claimed and is sending now (their lease has not ended).")] int Leased,
    [property: Description("Messages sent and not yet pruned.")] int Sent,
    [property: Description("Messages given up (a permanent refusal, too many attempts, or their deadline passed); an admin may retry them.")] int Dead,
    [property: Description("Messages withdrawn before they were sent.")] int Cancelled,
    [property: Description("The earliest due time among the pending; null when none is pending.")] DateTimeOffset? OldestPendingDueAt,
    [property: Description("Up to 20 messages whose last attempt failed, waiting for a retry or given up, latest dueAt first.")]
    IReadOnlyList<OutboxMessageView> RecentFailures);

[Description("One outbox message as operators see it; its body is left out.")]
public sealed record OutboxMessageView(
    Guid Id,
    string Recipient,
    string Subject,
    OutboxState State,
    [property: Description("Attempts to send it so far; an admin's retry starts again from 0.")] int Attempts,
    [property: Description("Why its last attempt failed; null when none has failed yet.")] string? LastError,
    [property: Description("For a pending message, when its next attempt is due; for one given up, when its last attempt was due.")] DateTimeOffset DueAt,
    DateTimeOffset CreatedAt,
    [property: Description("After this it is never sent; null when it has no deadline.")] DateTimeOffset? DeadlineAt)
{
    // One mapping for the query (translated to SQL, the body stays in the database) and for a loaded row.
    public static readonly Expression<Func<OutboxMessage, OutboxMessageView>> Projection = m =>
        new OutboxMessageView(m.Id, m.Recipient, m.Subject, m.State, m.Attempts, m.LastError, m.DueAt, m.CreatedAt, m.DeadlineAt);

    private static readonly Func<OutboxMessage, OutboxMessageView> Map = Projection.Compile();

    public static OutboxMessageView Of(OutboxMessage message) => Map(message);
}
