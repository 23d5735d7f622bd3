using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Ceremonies.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    // Several processes may start together: EF takes an advisory lock around migrations.
    public bool MigrateOnStart { get; set; } = true;
}

// Schemas that a library keeps itself (Hangfire's), installed or upgraded by the migrating process
// under the migration lock, after the app's own migrations.
public sealed record SchemaInstaller(string Name, Action<NpgsqlConnection> Install);

public static class DataSetup
{
    public const string ConnectionName = "Ceremonies";

    // Any number that no other advisory lock of this database uses.
    private const long MigrationLockKey = 7_302_611_026;

    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        builder.Services.AddDbContextPool<CeremoniesDb>((services, options) => options
            .UseNpgsql(AppConnectionString(services.GetRequiredService<IConfiguration>()), npgsql => npgsql
                .ExecutionStrategy(dependencies => new RetryStrategy(dependencies, services.GetRequiredService<IHttpContextAccessor>())))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(services.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>())
            // A refused statement (a slot taken, a stale version) is an answer the caller gives, not an
            // error: the handler turns it into a 409 or 412. What no caller handles is logged once, as an
            // error, by the exception handler; a dropped database as a warning (DatabaseUnavailableHandler).
            .ConfigureWarnings(w => w.Log((RelationalEventId.CommandError, LogLevel.Debug), (CoreEventId.SaveChangesFailed, LogLevel.Debug))));
        builder.Services.AddHealthChecks().AddDbContextCheck<CeremoniesDb>("database", tags: ["ready"]);
        return builder;
    }

    // The app runs the same few dozen statements all day, so unless the connection string says
    // otherwise Npgsql prepares the ones it sees often and PostgreSQL skips parsing and planning them,
    // on multiplexed connections as on plain ones.
    public static string ConnectionString(IConfiguration configuration) => Configured(configuration).ConnectionString;

    private static NpgsqlConnectionStringBuilder Configured(IConfiguration configuration)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} is not set."));
        if (!Names(connectionString, "Max Auto Prepare"))
        {
            connectionString.MaxAutoPrepare = 64;
        }
        return connectionString;
    }

    // The connections of the app's own commands. Multiplexed, a handful of connections carry every
    // request's commands, and more only queue work inside PostgreSQL. Npgsql opens a new one whenever
    // none is idle, inline in the one loop that writes every command, so during a stall (a checkpoint,
    // autovacuum) each opening held up all traffic while dozens were opened: a 0.1 s stall grew into
    // 0.7 s. Unless the connection string sizes the pool, it is capped, and the connections it has
    // opened are not pruned when traffic is quiet (Npgsql does not open them ahead of need).
    public const int MultiplexedPoolSize = 16;

    public static string AppConnectionString(IConfiguration configuration)
    {
        var connectionString = Configured(configuration);
        if (connectionString.Multiplexing && !Names(connectionString, "Maximum Pool Size"))
        {
            if (Names(connectionString, "Minimum Pool Size"))
            {
                connectionString.MaxPoolSize = Math.Max(MultiplexedPoolSize, connectionString.MinPoolSize);
            }
            else
            {
                connectionString.MaxPoolSize = connectionString.MinPoolSize = MultiplexedPoolSize;
            }
        }
        return connectionString.ConnectionString;
    }

    // Whether the connection string gives this setting, by its canonical name (Npgsql files a synonym
    // such as MaxPoolSize under it). Npgsql's ContainsKey answers whether the keyword exists at all,
    // so it is true for every setting, given or not.
    private static bool Names(NpgsqlConnectionStringBuilder connectionString, string canonicalKeyword) =>
        connectionString.ShouldSerialize(canonicalKeyword);

    public static async Task MigrateIfConfiguredAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value;
        if (!options.MigrateOnStart)
        {
            return;
        }
        // Processes starting together must not apply a migration twice. EF's own migration lock did
        // not prevent it here (two nodes both ran one ALTER TABLE), so a session-level advisory lock,
        // held on a connection of its own, serialises them: the second waits, then finds nothing to do.
        // Ordinary connections: a multiplexed one has no session to hold a lock.
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString(services.GetRequiredService<IConfiguration>()))
        {
            Multiplexing = false,
        }.ConnectionString;
        // Unpooled: closing it ends the session, which releases the lock even if the unlock is never sent.
        await using var lockConnection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await lockConnection.OpenAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", lockConnection) { CommandTimeout = 0 })
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            // Without UseSnakeCaseNamingConvention: it would also rename the columns of EF's own
            // __EFMigrationsHistory (MigrationId to migration_id), which every database migrated so far
            // has under EF's names. The migrations are SQL and need no names from the model.
            await using var db = new CeremoniesDb(new DbContextOptionsBuilder<CeremoniesDb>().UseNpgsql(connectionString).Options);
            await db.Database.MigrateAsync(cancellationToken);
            foreach (var installer in services.GetServices<SchemaInstaller>())
            {
                installer.Install(lockConnection);
            }
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", lockConnection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
