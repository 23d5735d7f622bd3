using System.Net;
using System.Net.Http.Json;
using Ceremonies.Features.Admin;
using Ceremonies.Tests.Features.Bookings;

namespace Ceremonies.Tests.Features.Admin;

// What Hangfire knows, for operators and their scripts. Who may call it is in AccessMatrixTests.
[Collection(AppTests.Name)]
public sealed class JobsAdminTests(AppFixture fixture)
{
    [Fact]
    public async Task AnAdminReadsTheRecurringJobsWithTheirSchedulesAndTheJobCounts()
    {
        var world = await World.CreateAsync(fixture);
        using var admin = await world.ClientAsync(Who.Admin);

        using var response = await admin.GetAsync(new Uri("/api/admin/jobs", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = (await response.Content.ReadFromJsonAsync<JobsReport>(BookingTests.Json))!; // a 200 always has its body
        var dispatch = Assert.Single(report.RecurringJobs, j => j.Id == "outbox-dispatch");
        Assert.Equal("*/2 * * * * *", dispatch.Cron);
        Assert.Equal("UTC", dispatch.TimeZone);
        Assert.NotNull(dispatch.NextExecution);
        Assert.Equal(TimeSpan.Zero, dispatch.NextExecution.Value.Offset);
        Assert.Contains(report.RecurringJobs, j => j.Id == "outbox-pruning" && j.Cron == "27 3 * * *");
        Assert.All(report.Servers, s => Assert.True(s.Workers > 0, s.Name));
        Assert.True(report.Counts is { Enqueued: >= 0, Processing: >= 0, Scheduled: >= 0, Failed: >= 0, Succeeded: >= 0 });
    }
}
