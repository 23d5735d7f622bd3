using Ceremonies.Data;
using Npgsql;
using Quartz;

namespace Ceremonies.Infrastructure.Scheduling;

public static class SchedulingSetup
{
    // Quartz runs on its persistent, clustered PostgreSQL store in every process, so a web-only
    // process can still plan one-off jobs into it; only processes with Scheduler:Enabled run them.
    public static IHostApplicationBuilder AddScheduling(this IHostApplicationBuilder builder, Action<IQuartzBuilder> jobs)
    {
        builder.Services.AddOptions<SchedulerOptions>()
            .BindConfiguration(SchedulerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(SchedulerOptions.Section).Get<SchedulerOptions>() ?? new();

        builder.Services.AddSingleton(NodeIdentity.ForThisProcess());
        builder.Services.AddScoped<ClusterNodes>();
        builder.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = options.Name;
                s.GenerateInstanceId = true;
            });
            q.UseDefaultThreadPool(options.MaxConcurrency);
            q.UsePersistentStore(store =>
            {
                // Never multiplexed: a web process may multiplex its own commands (Npgsql allows only
                // asynchronous ones then); the scheduler's store keeps ordinary connections.
                store.UsePostgres(ds => ds.ConnectionString = new NpgsqlConnectionStringBuilder(
                    DataSetup.ConnectionString(builder.Configuration)) { Multiplexing = false }.ConnectionString);
                store.UseSystemTextJsonSerializer();
                // Quartz creates its own tables, in the schema the first migration makes for them.
                store.ProvisionSchema();
                store.ConfigureStore(o => o.TablePrefix = "quartz.qrtz_");
                store.UseClustering(c =>
                {
                    c.CheckinInterval = TimeSpan.FromSeconds(options.CheckinSeconds);
                    c.CheckinMisfireThreshold = TimeSpan.FromSeconds(options.CheckinSeconds * 3);
                });
            });
            // See RecurringJobs: declared jobs and triggers never replace stored ones.
            q.ConfigureOptions<QuartzOptions>(o =>
            {
                o.Scheduling.IgnoreDuplicates = true;
                o.Scheduling.OverwriteExistingData = false;
            });
            q.AddJobListener<JobRunRecorder>();
            jobs(q);
        });
        if (options.Enabled)
        {
            builder.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
            builder.Services.AddHostedService<RecurringTriggerCleanup>();
            builder.Services.AddHealthChecks().AddQuartz(o =>
            {
                o.Name = "scheduler";
                o.Tags.Add("ready");
            });
        }
        else
        {
            builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("scheduler", tags: ["ready"]);
        }
        return builder;
    }
}
