using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;

namespace Ceremonies.Infrastructure.Outbox;

// Every booking and account mail leaves a row; once sent it is only history (the audit log keeps
// what happened), so sent rows are deleted after a while and the table stays the size of its work.
public static class OutboxPruning
{
    public static IQuartzBuilder AddOutboxPruning(this IQuartzBuilder quartz) =>
        // Daily at 03:27 UTC, ten minutes after the job-run pruning.
        quartz.ScheduleRecurring<OutboxPruningJob>("outbox-pruning", "daily-0327Z",
            CronScheduleBuilder.Create("0 27 3 * * ?").InTimeZone(TimeZoneInfo.Utc));
}

[DisallowConcurrentExecution]
internal sealed class OutboxPruningJob(CeremoniesDb db, TimeProvider clock, IOptions<OutboxOptions> options) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await RunAsync(cancellationToken);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - TimeSpan.FromDays(options.Value.KeepSentDays);
        return await db.Outbox
            .Where(m => (m.State == OutboxState.Sent && m.SentAt < cutoff) || (m.State == OutboxState.Cancelled && m.CreatedAt < cutoff))
            .ExecuteDeleteAsync(cancellationToken);
    }
}
