using System.Text.Json;
using Ceremonies.Infrastructure.Jobs;
using Npgsql;

namespace Ceremonies.Tests.Infrastructure;

// Two scheduler processes on one database: both run a Hangfire server, they share the jobs, and
// each firing of a recurring job becomes one job, run once, whichever server picks it up.
[Collection(AppTests.Name)]
public sealed class SchedulerClusterTests(AppFixture fixture)
{
    private static readonly Dictionary<string, string?> SchedulerOn = new()
    {
        ["Scheduler:Enabled"] = "true",
        ["Scheduler:PollMilliseconds"] = "200",
        ["Outbox:PollSeconds"] = "1",
    };

    [Fact]
    public async Task TwoSchedulerProcessesShareTheJobsAndEachFiringRunsOnce()
    {
        await using var first = fixture.StartAnotherApp(SchedulerOn);
        await using var second = fixture.StartAnotherApp(SchedulerOn);
        var since = await LastJobIdAsync();

        var servers = await WaitForLiveServersAsync(first, count: 2);
        Assert.True(servers.Count(s => s.IsLive) >= 2, string.Join(", ", servers));
        Assert.Single(servers, s => s.IsThisProcess);

        // The recurring outbox dispatch fires every second; let it fire a few times on the cluster.
        var firings = await WaitForFiringsAsync("outbox-dispatch", since, atLeast: 5);

        var repeated = firings.GroupBy(f => f.Time).Where(g => g.Count() > 1).Select(g => $"{g.Key}: jobs {string.Join(", ", g.Select(f => f.JobId))}").ToList();
        Assert.True(repeated.Count == 0, "firings run more than once: " + string.Join("; ", repeated));
        Assert.True(firings.Count >= 5, $"only {firings.Count} firings");
        Assert.All(firings, f => Assert.Equal("Succeeded", f.State));

        // A web-only process's readiness sees the deployment's job servers.
        using var webOnly = fixture.App.CreateClient();
        using var ready = JsonDocument.Parse(await webOnly.GetStringAsync(new Uri("/health/ready", UriKind.Relative)));
        Assert.Equal("Healthy", ready.RootElement.GetProperty("checks").GetProperty("scheduler").GetProperty("status").GetString());
    }

    [Fact]
    public async Task ASchedulerProcessReportsItsJobServerReady()
    {
        await using var app = fixture.StartAnotherApp(SchedulerOn);
        using var client = app.CreateClient();

        // The server starts just after the host: readiness turns green within moments, as a probe would see.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpResponseMessage response;
        do
        {
            await Task.Delay(200);
            response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        }
        while (!response.IsSuccessStatusCode && DateTime.UtcNow < deadline);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var ready = JsonDocument.Parse(body);
        Assert.Equal("Healthy", ready.RootElement.GetProperty("checks").GetProperty("scheduler").GetProperty("status").GetString());
    }

    private static async Task<IReadOnlyList<JobServer>> WaitForLiveServersAsync(CeremoniesApp app, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var servers = app.Service<JobServers>().List();
            if (servers.Count(s => s.IsLive) >= count || DateTime.UtcNow > deadline)
            {
                return servers;
            }
            await Task.Delay(250);
        }
    }

    private sealed record Firing(long JobId, string Time, string State);

    private async Task<long> LastJobIdAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand($"SELECT coalesce(max(id), 0) FROM {JobsSetup.Schema}.job", connection);
        return (long)(await query.ExecuteScalarAsync())!; // an aggregate always gives a row
    }

    // The jobs a recurring job created after a given job id, each with the firing it was made for (the
    // "Time" parameter Hangfire gives it) and its state; read from Hangfire's own tables.
    private async Task<List<Firing>> WaitForFiringsAsync(string recurringJob, long since, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            var firings = new List<Firing>();
            await using (var connection = new NpgsqlConnection(fixture.ConnectionString))
            {
                await connection.OpenAsync();
                await using var query = new NpgsqlCommand($"""
                    SELECT j.id, t.value, j.statename
                      FROM {JobsSetup.Schema}.job j
                      JOIN {JobsSetup.Schema}.jobparameter r ON r.jobid = j.id AND r.name = 'RecurringJobId'
                      JOIN {JobsSetup.Schema}.jobparameter t ON t.jobid = j.id AND t.name = 'Time'
                     WHERE r.value = @id AND j.id > @since AND j.statename IS NOT NULL
                    """, connection);
                query.Parameters.AddWithValue("id", JsonSerializer.Serialize(recurringJob));
                query.Parameters.AddWithValue("since", since);
                await using var reader = await query.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    firings.Add(new Firing(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
                }
            }
            // Jobs still running are left for the next look.
            if (firings.Count(f => f.State == "Succeeded") >= atLeast || DateTime.UtcNow > deadline)
            {
                return [.. firings.Where(f => f.State is not ("Enqueued" or "Processing"))];
            }
            await Task.Delay(500);
        }
    }
}
