using System.Diagnostics;
using Npgsql;

namespace Ceremonies.Tests.Infrastructure;

// Real processes, as a deployment starts them: several at once against an empty database.
[Collection(AppTests.Name)]
public sealed class MigrationTests
{
    [Fact]
    public async Task ProcessesStartingTogetherOnAnEmptyDatabaseApplyEachMigrationOnceAndAllStart()
    {
        var name = $"ceremonies_test_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE DATABASE \"{name}\"");
        var connectionString = new NpgsqlConnectionStringBuilder(TestEnvironment.Database) { Database = name, Multiplexing = true }.ConnectionString;
        var ports = Enumerable.Range(0, 3).Select(_ => FreePort.Next()).ToList();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var processes = ports.Select(port => Start(connectionString, port, output)).ToList();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var started = await Task.WhenAll(ports.Select(port => WaitLiveAsync(http, port)));

            Assert.True(started.All(s => s), string.Join(Environment.NewLine, output.Where(l => l.Contains("rror", StringComparison.Ordinal) || l.Contains("xception", StringComparison.Ordinal)).Take(20)));
            Assert.All(processes, p => Assert.False(p.HasExited, $"a process exited with {(p.HasExited ? p.ExitCode : 0)}"));
            await using var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Multiplexing = false }.ConnectionString);
            await db.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*), count(DISTINCT \"MigrationId\") FROM \"__EFMigrationsHistory\"", db);
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(reader.GetInt64(1), reader.GetInt64(0));
            Assert.Equal(typeof(Program).Assembly.GetTypes().Count(t => t.Namespace == "Ceremonies.Data.Migrations" && t.IsSubclassOf(typeof(Microsoft.EntityFrameworkCore.Migrations.Migration))), reader.GetInt64(0));
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
                process.Dispose();
            }
            NpgsqlConnection.ClearAllPools();
            await AdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    private static Process Start(string connectionString, int port, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(typeof(Program).Assembly.Location);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["ConnectionStrings__Ceremonies"] = connectionString;
        info.Environment["Scheduler__Enabled"] = "false";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        // Drain the output so a chatty process never blocks on a full pipe.
        process.OutputDataReceived += (_, line) => output.Enqueue($"{port}: {line.Data}");
        process.ErrorDataReceived += (_, line) => output.Enqueue($"{port}: {line.Data}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<bool> WaitLiveAsync(HttpClient http, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/live"));
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // not answering yet
            }
            await Task.Delay(200);
        }
        return false;
    }

    private static async Task AdminAsync(string sql)
    {
        await using var admin = new NpgsqlConnection(TestEnvironment.Database);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }
}
