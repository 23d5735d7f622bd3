using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Admin;
using Ceremonies.Tests.Features.Bookings;
using Ceremonies.Infrastructure.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Ceremonies.Tests.Features.Admin;

// During an SMTP outage an admin sees what failed and why, and sends a given-up message again once
// the cause is fixed. Who may call these endpoints is in AccessMatrixTests.
[Collection(AppTests.Name)]
public sealed class OutboxAdminTests(AppFixture fixture, BrowserFixture browser)
{
    [Fact]
    public async Task ASendThatFailsShowsAmongTheRecentFailuresWithItsError()
    {
        var world = await World.CreateAsync(fixture);
        var to = $"not an address {Guid.NewGuid():N}";
        var message = OutboxMessage.Email($"test:{to}", to, "Reminder", "The observance begins at 17:00 Asia/Baku.", null, DateTimeOffset.UtcNow);
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Outbox.Add(message);
            return db.SaveChangesAsync();
        });
        await fixture.DispatchOutboxAsync();
        using var admin = await world.ClientAsync(Who.Admin);

        var report = await ReportAsync(admin);

        var failure = Assert.Single(report.RecentFailures, f => f.Id == message.Id);
        Assert.Equal(to, failure.Recipient);
        Assert.Equal(OutboxState.Dead, failure.State);
        Assert.Equal(1, failure.Attempts);
        Assert.False(string.IsNullOrWhiteSpace(failure.LastError));
        Assert.True(report.Dead >= 1);
    }

    // Counted before and after the test's own rows: nothing else writes to the outbox meanwhile (the
    // collection runs one test at a time and the test app runs no scheduler).
    [Fact]
    public async Task TheCountsSayWhatWaitsForARetryWhatIsBeingSentAndWhatWasGivenUp()
    {
        var world = await World.CreateAsync(fixture);
        using var admin = await world.ClientAsync(Who.Admin);
        var now = DateTimeOffset.UtcNow;
        var before = await ReportAsync(admin);

        var waiting = await world.NewOutboxMessageAsync(OutboxState.Pending, "451 4.2.1 Mailbox busy, try again later", dueAt: now.AddHours(1));
        var leased = await world.NewOutboxMessageAsync(OutboxState.Pending, lastError: null, dueAt: now.AddMinutes(-1), lockedUntil: now.AddHours(1));
        await world.NewOutboxMessageAsync(OutboxState.Dead);
        await world.NewOutboxMessageAsync(OutboxState.Cancelled, lastError: null);
        var after = await ReportAsync(admin);

        Assert.Equal(before.Pending + 2, after.Pending);
        Assert.Equal(before.DueNow + 1, after.DueNow);
        Assert.Equal(before.WaitingForRetry + 1, after.WaitingForRetry);
        Assert.Equal(before.Leased + 1, after.Leased);
        Assert.Equal(before.Dead + 1, after.Dead);
        Assert.Equal(before.Cancelled + 1, after.Cancelled);
        Assert.Equal(before.Sent, after.Sent);
        Assert.NotNull(after.OldestPendingDueAt);
        Assert.True(after.OldestPendingDueAt <= leased.DueAt);
        var failure = Assert.Single(after.RecentFailures, f => f.Id == waiting.Id);
        Assert.Equal(OutboxState.Pending, failure.State);
        Assert.Equal("451 4.2.1 Mailbox busy, try again later", failure.LastError);
        Assert.DoesNotContain(after.RecentFailures, f => f.Id == leased.Id);
        Assert.True(after.RecentFailures.Count <= OutboxOperations.RecentFailures);
        Assert.Equal(after.RecentFailures.OrderByDescending(f => f.DueAt).Select(f => f.DueAt), after.RecentFailures.Select(f => f.DueAt));
    }

    [Fact]
    public async Task AGivenUpMessageRetriedByAnAdminGoesOutWithItsOwnMessageIdAndASecondRetryIsAConflict()
    {
        var world = await World.CreateAsync(fixture);
        var dead = await world.NewOutboxMessageAsync();
        using var admin = await world.ClientAsync(Who.Admin);

        using var retried = await RetryAsync(admin, dead.Id);

        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        var view = (await retried.Content.ReadFromJsonAsync<OutboxMessageView>(BookingTests.Json))!; // a 202 always has its body
        Assert.Equal(OutboxState.Pending, view.State);
        Assert.Equal(0, view.Attempts);
        Assert.Null(view.LastError);
        Assert.True(view.DueAt <= DateTimeOffset.UtcNow);
        var row = await RowAsync(dead.Id);
        Assert.Equal((OutboxState.Pending, 0, null, dead.IdempotencyKey), (row.State, row.Attempts, row.LastError, row.IdempotencyKey));
        var audit = await fixture.App.InScopeAsync<CeremoniesDb, List<AuditEntry>>(db =>
            db.AuditLog.AsNoTracking().Where(a => a.EntityType == "outbox-message" && a.EntityId == dead.Id.ToString()).ToListAsync());
        var entry = Assert.Single(audit);
        Assert.Equal("outbox-message.retried", entry.Action);
        Assert.Equal(world.Person(Who.Admin).Id, entry.ActorId);
        Assert.Contains("550 5.1.1 No such user here", entry.Before, StringComparison.Ordinal);

        using var again = await RetryAsync(admin, dead.Id);

        await AssertProblemAsync(again, HttpStatusCode.Conflict, ProblemTypes.Conflict, "pending");

        await fixture.DispatchOutboxAsync();

        var mail = Assert.Single(await fixture.MailDev.WaitForAsync(dead.Recipient));
        Assert.Equal(OutboxMessage.MessageIdFor(dead.IdempotencyKey, "ceremonies.local"), mail.Header("message-id"));
        Assert.Equal(OutboxState.Sent, (await RowAsync(dead.Id)).State);
    }

    [Theory]
    [InlineData(OutboxState.Pending, "pending")]
    [InlineData(OutboxState.Sent, "sent")]
    [InlineData(OutboxState.Cancelled, "cancelled")]
    public async Task OnlyAGivenUpMessageIsRetried(OutboxState state, string word)
    {
        var world = await World.CreateAsync(fixture);
        var message = await world.NewOutboxMessageAsync(state, state == OutboxState.Pending ? "451 4.2.1 Mailbox busy" : null, dueAt: DateTimeOffset.UtcNow.AddHours(1));
        using var admin = await world.ClientAsync(Who.Admin);

        using var response = await RetryAsync(admin, message.Id);

        await AssertProblemAsync(response, HttpStatusCode.Conflict, ProblemTypes.Conflict, word);
        var row = await RowAsync(message.Id);
        Assert.Equal((message.State, message.Attempts, message.LastError), (row.State, row.Attempts, row.LastError));
        Assert.Equal(message.DueAt, row.DueAt, TimeSpan.FromMilliseconds(1));
    }

    // Nothing is sent after its deadline: a reminder that would arrive after the event began stays given up.
    [Fact]
    public async Task AGivenUpMessagePastItsDeadlineIsNotRetried()
    {
        var world = await World.CreateAsync(fixture);
        var now = DateTimeOffset.UtcNow;
        var late = await world.NewOutboxMessageAsync(OutboxState.Dead, "its deadline passed before it could be sent", now.AddHours(-2), deadline: now.AddMinutes(-1));
        using var admin = await world.ClientAsync(Who.Admin);

        using var response = await RetryAsync(admin, late.Id);

        await AssertProblemAsync(response, HttpStatusCode.Conflict, ProblemTypes.Conflict, "deadline");
        Assert.Equal(OutboxState.Dead, (await RowAsync(late.Id)).State);
    }

    [Theory]
    [InlineData("{0}")]
    [InlineData("not-an-id")]
    [InlineData("12345")]
    public async Task RetryingAMessageThatDoesNotExistIsAProblem404(string id)
    {
        var world = await World.CreateAsync(fixture);
        using var admin = await world.ClientAsync(Who.Admin);
        var path = $"/api/admin/outbox/{string.Format(System.Globalization.CultureInfo.InvariantCulture, id, Guid.NewGuid())}/retry";

        using var response = await admin.PostAsync(new Uri(path, UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RetryingAnUnknownMessageNamesWhatIsMissing()
    {
        var world = await World.CreateAsync(fixture);
        using var admin = await world.ClientAsync(Who.Admin);

        using var response = await RetryAsync(admin, Guid.NewGuid());

        await AssertProblemAsync(response, HttpStatusCode.NotFound, ProblemTypes.NotFound, "outbox message");
    }

    [Fact]
    public async Task AnAdminSeesTheFailuresOnTheServiceStatePageAndRetriesAGivenUpMessageThere()
    {
        var world = await World.CreateAsync(fixture);
        var error = $"550 5.1.1 No such user here ({Guid.NewGuid():N})";
        var dead = await world.NewOutboxMessageAsync(OutboxState.Dead, error);
        var waiting = await world.NewOutboxMessageAsync(OutboxState.Pending, "451 4.2.1 Mailbox busy", dueAt: DateTimeOffset.UtcNow.AddHours(1));
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Admin).Email!, World.Password);

        await page.GotoAsync("/admin");

        var row = page.GetByTestId($"failure-{dead.Id}");
        Assert.Contains(error, await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("given up", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(int.Parse(await page.GetByTestId("outbox-retrying").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        var other = page.GetByTestId($"failure-{waiting.Id}");
        Assert.Contains("waiting for a retry", await other.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await other.GetByRole(AriaRole.Button).CountAsync());

        await row.GetByRole(AriaRole.Button, new() { Name = $"Retry the message to {dead.Recipient}" }).ClickAsync();

        Assert.Contains(dead.Recipient, await page.GetByTestId("outbox-notice").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByTestId($"failure-{dead.Id}").CountAsync());
        var retried = await RowAsync(dead.Id);
        Assert.Equal((OutboxState.Pending, 0, null), (retried.State, retried.Attempts, retried.LastError));
    }

    private static async Task<OutboxReport> ReportAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync(new Uri("/api/admin/outbox", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<OutboxReport>(BookingTests.Json))!; // a 200 always has its body
    }

    private static Task<HttpResponseMessage> RetryAsync(HttpClient admin, Guid id) =>
        admin.PostAsync(new Uri($"/api/admin/outbox/{id}/retry", UriKind.Relative), null);

    private Task<OutboxMessage> RowAsync(Guid id) =>
        fixture.App.InScopeAsync<CeremoniesDb, OutboxMessage>(db => db.Outbox.AsNoTracking().SingleAsync(m => m.Id == id));

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type, string saying)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(type, problem.RootElement.GetProperty("type").GetString());
        Assert.Contains(saying, problem.RootElement.GetProperty("title").GetString(), StringComparison.Ordinal);
    }
}
