using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Infrastructure;

[Collection(AppTests.Name)]
public sealed class SchedulerClusterTests(AppFixture fixture)
{
    private static readonly Dictionary<string, string?> SchedulerOn = new()
    {
        ["Scheduler:Enabled"] = "true",
        ["Scheduler:CheckinSeconds"] = "1",
        ["Outbox:PollSeconds"] = "1",
    };

    [Fact]
    public async Task TwoSchedulerProcessesJoinOneClusterAndEachFiringRunsOnce()
    {
        var since = DateTimeOffset.UtcNow;
        await using var first = fixture.StartAnotherApp(SchedulerOn);
        await using var second = fixture.StartAnotherApp(SchedulerOn);

        var nodes = await WaitForLiveNodesAsync(first, count: 2);
        Assert.Equal(2, nodes.Count(n => n.IsLive));
        Assert.Contains(nodes, n => n.IsThisProcess);

        // The recurring outbox dispatch fires every second; let it fire a few times on the cluster.
        var runs = await WaitForRunsAsync(since, "DEFAULT.outbox-dispatch", atLeast: 5);

        var repeated = runs.GroupBy(r => r.ScheduledFor).Where(g => g.Count() > 1)
            .SelectMany(g => g.Select(r => $"{r.ScheduledFor:O} fired {r.FiredAt:O} on {r.Node} ({r.FireId})")).ToList();
        Assert.True(repeated.Count == 0, string.Join(Environment.NewLine, repeated));
        Assert.True(runs.Count >= 5, $"only {runs.Count} runs recorded");
        Assert.All(runs, r => Assert.True(r.Succeeded, r.Error));

        // The home page of either process and a web-only process's readiness see the same cluster.
        // A node whose check-in is late (two busy cores) counts as not live for a moment: ask again
        // until the page shows both, as someone watching it would see.
        using var client = second.CreateClient();
        var home = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            home = await client.GetStringAsync(new Uri("/", UriKind.Relative));
            if (home.Contains("data-testid=\"live-nodes\">2<", StringComparison.Ordinal))
            {
                break;
            }
        }
        Assert.Contains("data-testid=\"live-nodes\">2<", home, StringComparison.Ordinal);
        using var webOnly = fixture.App.CreateClient();
        using var ready = JsonDocument.Parse(await webOnly.GetStringAsync(new Uri("/health/ready", UriKind.Relative)));
        var scheduler = ready.RootElement.GetProperty("checks").GetProperty("scheduler");
        Assert.Equal("Healthy", scheduler.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ASchedulerProcessReportsItsSchedulerReady()
    {
        await using var app = fixture.StartAnotherApp(SchedulerOn);
        using var client = app.CreateClient();

        // Quartz starts its scheduler just after the host: readiness turns green within moments, as a probe would see.
        var deadline = DateTime.UtcNow.AddSeconds(20);
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

    private static async Task<IReadOnlyList<SchedulerNode>> WaitForLiveNodesAsync(CeremoniesApp app, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var nodes = await app.InScopeAsync<ClusterNodes, IReadOnlyList<SchedulerNode>>(c => c.ListAsync(CancellationToken.None));
            if (nodes.Count(n => n.IsLive) >= count || DateTime.UtcNow > deadline)
            {
                return nodes;
            }
            await Task.Delay(250);
        }
    }

    private async Task<List<JobRun>> WaitForRunsAsync(DateTimeOffset since, string job, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var runs = await fixture.App.InScopeAsync<CeremoniesDb, List<JobRun>>(db =>
                db.JobRuns.AsNoTracking().Where(r => r.Job == job && r.FiredAt >= since).ToListAsync());
            if (runs.Count >= atLeast || DateTime.UtcNow > deadline)
            {
                return runs;
            }
            await Task.Delay(250);
        }
    }
}
