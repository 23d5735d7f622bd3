using Ceremonies.Data;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Jobs;
using Ceremonies.Infrastructure.Webhooks;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Ceremonies.Features.Observances;

public static class ObservancesSetup
{
    public static IHostApplicationBuilder AddObservances(this IHostApplicationBuilder builder)
    {
        builder.AddWebhooks();
        builder.Services.AddOptions<SignalOptions>().BindConfiguration(SignalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<OccurrencePlanning>();
        builder.Services.AddScoped<IVenueClockDependent>(services => services.GetRequiredService<OccurrencePlanning>());
        builder.Services.AddScoped<OccurrenceActions>();
        builder.Services.AddScoped<SignalDispatcher>();
        builder.Services.AddScoped<OccurrencesAhead>();
        builder.Services.AddSingleton<SignalsPlanned>();
        // Each day: next year's occurrence of every observance exists well before it is due.
        builder.Services.AddRecurringJob<OccurrencesAhead>("occurrences-ahead", j => j.RunAsync(CancellationToken.None), "17 3 * * *");
        var scheduler = builder.Configuration.GetSection(SchedulerOptions.Section).Get<SchedulerOptions>() ?? new();
        if (scheduler.Enabled)
        {
            // The precise clock of the signals: Quartz with its in-memory store, in every worker process.
            builder.Services.AddSingleton<SilenceClock>();
            builder.Services.AddScoped<SilenceFiring>();
            builder.AddQuartz(q =>
            {
                q.UseInMemoryStore();
                q.UseDefaultThreadPool(maxConcurrency: 8);
            });
            builder.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
            builder.Services.AddHostedService(services => services.GetRequiredService<SilenceClock>());
        }
        return builder;
    }
}

// Creates this year's occurrence of every observance while its day is still ahead, and next year's,
// and computes the minutes still ahead again in case a zone's rules changed (an update of the
// time-zone data). Safe to run twice at once: the occurrence of a year is unique, and the second
// run finds it.
public sealed partial class OccurrencesAhead(CeremoniesDb db, OccurrencePlanning planning, TimeProvider clock, ILogger<OccurrencesAhead> logger)
{
    [AutomaticRetry(Attempts = 3)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var created = 0;
        foreach (var observance in await db.Observances.AsNoTracking().ToListAsync(cancellationToken))
        {
            foreach (var year in new[] { now.Year, now.Year + 1 })
            {
                if (SilenceMoments.ReferenceInstant(observance.Rule, year) < now)
                {
                    continue;
                }
                var (_, made) = await planning.EnsureAsync(observance, year, cancellationToken);
                created += made ? 1 : 0;
            }
        }
        var moved = await planning.ReplanAsync(cancellationToken: cancellationToken);
        if (moved > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            LogMoved(moved);
        }
        return created;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} venues' minutes of silence moved: their zones' rules changed, and their signals and mails were planned again")]
    private partial void LogMoved(int count);
}
