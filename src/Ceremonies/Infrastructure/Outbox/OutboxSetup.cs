using Ceremonies.Infrastructure.Scheduling;
using Quartz;

namespace Ceremonies.Infrastructure.Outbox;

public static class OutboxSetup
{
    public static IHostApplicationBuilder AddOutbox(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OutboxOptions>()
            .BindConfiguration(OutboxOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<OutboxDispatcher>();
        return builder;
    }

    public static IQuartzBuilder AddOutboxDispatch(this IQuartzBuilder quartz, IConfiguration configuration)
    {
        var pollSeconds = configuration.GetSection(OutboxOptions.Section).Get<OutboxOptions>()?.PollSeconds ?? new OutboxOptions().PollSeconds;
        // Runs may overlap across nodes: the claim's SKIP LOCKED gives each message to one of them.
        // After downtime, one run catches up; replaying every missed firing would add nothing.
        return quartz.ScheduleRecurring<OutboxDispatchJob>("outbox-dispatch", $"every-{pollSeconds}s", SimpleScheduleBuilder.Create()
            .WithInterval(TimeSpan.FromSeconds(pollSeconds))
            .RepeatForever()
            .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount));
    }
}

internal sealed class OutboxDispatchJob(OutboxDispatcher dispatcher) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await dispatcher.RunAsync(cancellationToken);
}
