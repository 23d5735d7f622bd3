using Quartz;

namespace Ceremonies.Infrastructure.Scheduling;

public sealed record RecurringTrigger(JobKey Job, TriggerKey Trigger);

// Every process declares the recurring jobs at start. A stored trigger is never replaced: replacing
// one while another node is firing it made that firing run twice. So a trigger's name carries its
// schedule ("outbox-dispatch@every-2s"); a changed schedule is a new trigger, and the old one is
// removed when a scheduler node starts.
public static class RecurringJobs
{
    public const string Group = "recurring";

    public static IQuartzBuilder ScheduleRecurring<TJob>(
        this IQuartzBuilder quartz, string job, string scheduleName, IScheduleBuilder schedule) where TJob : IJob
    {
        var trigger = new TriggerKey($"{job}@{scheduleName}", Group);
        quartz.ScheduleJob<TJob>(t => t.WithIdentity(trigger).WithSchedule(schedule), j => j.WithIdentity(job));
        quartz.Services.AddSingleton(new RecurringTrigger(new JobKey(job), trigger));
        return quartz;
    }
}

internal sealed partial class RecurringTriggerCleanup(
    ISchedulerFactory schedulers, IEnumerable<RecurringTrigger> declared, ILogger<RecurringTriggerCleanup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var current = declared.Select(d => d.Trigger).ToHashSet();
        foreach (var job in declared.Select(d => d.Job).Distinct())
        {
            var triggers = await scheduler.QueryTriggers(new TriggerQuery { Job = job }, cancellationToken);
            var stale = triggers.Items.Select(t => t.Key).Where(k => k.Group == RecurringJobs.Group && !current.Contains(k)).ToList();
            if (stale.Count > 0)
            {
                await scheduler.UnscheduleJobs(stale, cancellationToken);
                LogRemoved(job, stale);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed the outdated schedules of {Job}: {Triggers}")]
    private partial void LogRemoved(JobKey job, IReadOnlyList<TriggerKey> triggers);
}
