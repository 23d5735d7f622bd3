using Ceremonies.Data;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Ceremonies.Infrastructure.Scheduling;

public static class JobRunPruning
{
    public static readonly TimeSpan Keep = TimeSpan.FromDays(14);

    public static IQuartzBuilder AddJobRunPruning(this IQuartzBuilder quartz)
    {
        // Daily at 03:17 UTC, away from the top of the hour when other work is planned.
        return quartz.ScheduleRecurring<JobRunPruningJob>("job-runs-pruning", "daily-0317Z",
            CronScheduleBuilder.Create("0 17 3 * * ?").InTimeZone(TimeZoneInfo.Utc));
    }
}

[DisallowConcurrentExecution]
internal sealed class JobRunPruningJob(CeremoniesDb db, TimeProvider clock) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await RunAsync(cancellationToken);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - JobRunPruning.Keep;
        return await db.JobRuns.Where(r => r.FiredAt < cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}
