using Ceremonies.Infrastructure.Jobs;

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
        builder.Services.AddScoped<OutboxPruning>();
        var pollSeconds = builder.Configuration.GetSection(OutboxOptions.Section).Get<OutboxOptions>()?.PollSeconds ?? new OutboxOptions().PollSeconds;
        // Every few seconds (a cron with seconds). Runs may overlap across processes: the claim's SKIP
        // LOCKED gives each message to one of them. After downtime one run catches up; Hangfire does
        // not replay the firings it missed.
        builder.Services.AddRecurringJob<OutboxDispatcher>("outbox-dispatch", d => d.RunAsync(CancellationToken.None), $"*/{pollSeconds} * * * * *");
        // Daily at 03:27 UTC, away from the top of the hour when other work is planned.
        builder.Services.AddRecurringJob<OutboxPruning>("outbox-pruning", p => p.RunAsync(CancellationToken.None), "27 3 * * *");
        return builder;
    }
}
