using System.Linq.Expressions;
using Ceremonies.Data;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Ceremonies.Infrastructure.Jobs;

// One recurring job, declared in code: every scheduler process writes the declarations to Hangfire's
// storage at start, and removes the recurring jobs no longer declared.
public sealed record RecurringJobPlan(string Id, Action<IRecurringJobManager> Declare);

public static class JobsSetup
{
    // Hangfire's tables live in a schema of their own in the app's database.
    public const string Schema = "hangfire";

    // Every process may enqueue into Hangfire's storage; processes with Scheduler:Enabled also run a
    // Hangfire server, and the servers of all processes share the jobs.
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(SchedulerOptions.Section).Get<SchedulerOptions>() ?? new();
        var poll = TimeSpan.FromMilliseconds(options.PollMilliseconds);
        builder.Services.AddSingleton(NodeIdentity.ForThisProcess());
        builder.Services.AddHangfire((services, hangfire) => hangfire
            .UseLogProvider(new HangfireLogs(services.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        // The storage and the activator per host, not Hangfire's static ones: each process (and each
        // app the test suite starts) has its own services.
        builder.Services.AddSingleton<JobStorage>(services =>
        {
            var storage = StorageOptions(options);
            // Never multiplexed: Hangfire's commands are synchronous, which multiplexing does not allow.
            var connectionString = new NpgsqlConnectionStringBuilder(DataSetup.ConnectionString(services.GetRequiredService<IConfiguration>()))
            {
                Multiplexing = false,
            }.ConnectionString;
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storage), storage);
        });
        builder.Services.AddSingleton<JobActivator>(services => new AspNetCoreJobActivator(services.GetRequiredService<IServiceScopeFactory>()));
        // Hangfire.PostgreSql versions and upgrades its own schema; the migrating process runs it.
        builder.Services.AddSingleton(new SchemaInstaller("hangfire", connection => PostgreSqlObjectsInstaller.Install(connection, Schema)));
        if (options.Enabled)
        {
            builder.Services.AddHangfireServer((services, server) =>
            {
                server.ServerName = services.GetRequiredService<NodeIdentity>().Name;
                server.WorkerCount = options.Workers;
                server.SchedulePollingInterval = poll;
                // A process that stops heart-beating is struck off after a minute (Hangfire: 5).
                server.HeartbeatInterval = TimeSpan.FromSeconds(10);
                server.ServerTimeout = TimeSpan.FromMinutes(1);
                server.ServerCheckInterval = TimeSpan.FromSeconds(30);
                server.ShutdownTimeout = TimeSpan.FromSeconds(15);
            });
        }
        // Every process declares them, so the dashboard shows them before any worker has started.
        builder.Services.AddHostedService<RecurringJobsDeclaration>();
        builder.Services.AddSingleton<JobServers>();
        builder.Services.AddHealthChecks().AddCheck<JobServersHealthCheck>("scheduler", tags: ["ready"]);
        return builder;
    }

    internal static PostgreSqlStorageOptions StorageOptions(SchedulerOptions options) => new()
    {
        SchemaName = Schema,
        // Hangfire.PostgreSql creates its tables without a lock, so processes starting together on
        // an empty database collided; they are installed under the migration lock instead (DataSetup).
        PrepareSchemaIfNecessary = false,
        // LISTEN/NOTIFY wake-up lost jobs here (ENVIRONMENT.md): workers poll instead.
        EnableLongPolling = false,
        QueuePollInterval = TimeSpan.FromMilliseconds(options.PollMilliseconds),
        InvisibilityTimeout = TimeSpan.FromSeconds(options.InvisibilitySeconds),
        UseSlidingInvisibilityTimeout = true,
        // A lock whose holder died is free after this (Hangfire renews none).
        DistributedLockTimeout = TimeSpan.FromSeconds(30),
    };

    // A recurring job that calls a method of a service resolved for each run (in a scope of its own). Cron in UTC
    // unless a zone is given (then it means that zone's local time, DST included).
    public static IServiceCollection AddRecurringJob<T>(
        this IServiceCollection services, string id, Expression<Func<T, Task>> run, string cron, TimeZoneInfo? zone = null) =>
        services.AddSingleton(new RecurringJobPlan(id, manager =>
            manager.AddOrUpdate(id, run, cron, new RecurringJobOptions { TimeZone = zone ?? TimeZoneInfo.Utc })));
}
