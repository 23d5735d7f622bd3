using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Ceremonies.Tests;

// A fresh database per test run, migrated by the app itself at start (so every run tests the
// migrations), and dropped at the end.
public sealed class AppFixture : IAsyncLifetime
{
    private readonly string _databaseName = $"ceremonies_test_{Guid.NewGuid():N}";

    public string ConnectionString { get; private set; } = "";

    public CeremoniesApp App { get; private set; } = null!; // set in InitializeAsync, before any test runs

    public MailDevClient MailDev { get; } = new(TestEnvironment.MailDev);

    public async Task InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(TestEnvironment.Database))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_databaseName}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(TestEnvironment.Database)
        {
            Database = _databaseName,
            // As ops/run and production run it; CEREMONIES_TEST_MULTIPLEXING=false tests plain pooled connections.
            Multiplexing = Environment.GetEnvironmentVariable("CEREMONIES_TEST_MULTIPLEXING") != "false",
        }.ConnectionString;
        App = new CeremoniesApp(ConnectionString);
        _ = App.Address;
    }

    // Another process of the same deployment: same database, its own settings and services.
    public CeremoniesApp StartAnotherApp(
        IReadOnlyDictionary<string, string?>? settings = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var app = new CeremoniesApp(ConnectionString, settings, services);
        _ = app.Address;
        return app;
    }

    // Another process whose clock the test moves by hand (its planner and dispatcher run when the test says).
    public CeremoniesApp StartAppWithClock(TimeProvider clock) =>
        StartAnotherApp(services: s => s.Replace(Microsoft.Extensions.DependencyInjection.ServiceDescriptor.Singleton(clock)));

    // The test app runs no scheduler: tests send what is due in the outbox when they want it sent.
    // Earlier tests of the run leave hundreds of mails due (the booking races), and one dispatch run
    // stops after its time budget: on a busy machine the mail a test waited for was not reached. So
    // runs follow each other until one finds nothing to do.
    public async Task DispatchOutboxAsync()
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (DateTime.UtcNow < deadline)
        {
            var run = await App.InScopeAsync<Ceremonies.Infrastructure.Outbox.OutboxDispatcher, Ceremonies.Infrastructure.Outbox.DispatchResult>(
                d => d.RunAsync(CancellationToken.None));
            if (run.Sent + run.Failed + run.Expired == 0)
            {
                return;
            }
        }
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        MailDev.Dispose();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TestEnvironment.Database);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", admin);
        // FORCE may not end a session the test role cannot signal (an autovacuum worker of the
        // database, seen once on a busy machine: 42501). Such a worker finishes soon; if it does not,
        // the database stays behind in ops/test's throwaway cluster, which goes with it.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 30)
            {
                await Task.Delay(1000);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                Console.WriteLine($"The test database {_databaseName} was left behind: {e.MessageText}");
                return;
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppTests : ICollectionFixture<AppFixture>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "app";
}
