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
    IReadOnlyList<OutboxMessageView> RecentFailures,
    [property: Description("Messages by kind (\"mail\", or the renderer that writes them when sent, such as \"reminder\") and state.")]
    IReadOnlyList<OutboxKindCount> ByKind);

[Description("How many messages of one kind are in one state.")]
public sealed record OutboxKindCount(string Kind, OutboxState State, int Count);

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

[Description("What Hangfire's storage knows: the job servers, the recurring jobs and the jobs by state.")]
public sealed record JobsReport(
    [property: Description("When it was read, by the server's clock.")] DateTimeOffset At,
    IReadOnlyList<JobServerView> Servers,
    IReadOnlyList<RecurringJobView> RecurringJobs,
    JobCounts Counts);

[Description("A process that runs background jobs.")]
public sealed record JobServerView(
    [property: Description("Hangfire's name of the server: the node's name, process id and a random tail.")] string Name,
    [property: Description("Jobs it runs at once.")] int Workers,
    [property: Description("Its last heartbeat; null before the first.")] DateTimeOffset? LastHeartbeat,
    [property: Description("Whether it has heart-beaten within the last minute; a silent server's jobs go to the others.")] bool IsLive);

[Description("A job declared to run on a schedule.")]
public sealed record RecurringJobView(
    string Id,
    [property: Description("Its schedule, a cron expression (six fields when it names seconds).")] string Cron,
    [property: Description("The zone the cron is read in (an IANA or Windows id; UTC unless given).")] string TimeZone,
    DateTimeOffset? NextExecution,
    DateTimeOffset? LastExecution,
    [property: Description("The state of the job its last firing created (Succeeded, Failed, Processing…); null before the first.")] string? LastState,
    [property: Description("Why Hangfire could not schedule it; null when it could.")] string? Error);

[Description("Background jobs by state, as Hangfire counts them (succeeded and failed as long as it keeps them).")]
public sealed record JobCounts(long Enqueued, long Processing, long Scheduled, long Failed, long Succeeded);
