using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Webhooks;
using Ceremonies.Tests.Fakes;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Observances;

// A worker process with its precise clock, an occurrence whose minute begins seconds from now, and
// three venues whose PA systems are test receivers on 127.0.0.1.
[Collection(AppTests.Name)]
public sealed class SilenceSignalTests(AppFixture fixture)
{
    private const int SilenceSeconds = 10;

    [Fact]
    public async Task EachVenueGetsBeginAtTAndEndSignedARefusingOneOnItsThirdTryAndADownOneNothingAndTheBoardSaysSo()
    {
        var world = await World.CreateAsync(fixture);
        await using var receiver = await SignalReceiver.StartAsync();
        receiver.Script("flaky", "begin", 500, 500);
        await using var worker = fixture.StartAnotherApp(new Dictionary<string, string?>
        {
            ["Scheduler:Enabled"] = "true",
            ["Webhooks:AllowLoopback"] = "true",
            ["Signals:ArmEveryMilliseconds"] = "250",
            ["Signals:RetryBaseMilliseconds"] = "200",
        });
        var nowhere = FreePort.Next();
        var steady = await NewVenueAsync("steady", "Europe/Paris", receiver.For("steady"));
        var flaky = await NewVenueAsync("flaky", "America/New_York", receiver.For("flaky"));
        var down = await NewVenueAsync("down", "Australia/Sydney", new Uri($"http://127.0.0.1:{nowhere}/pa"));

        // The minute begins a few seconds from now, on a whole second in UTC (the rule's local time has seconds).
        var silenceAt = WholeSecondAhead(TimeSpan.FromSeconds(6));
        var admin = await world.ClientAsync(Who.Admin);
        var observance = await CreateObservanceAsync(admin, silenceAt);
        using var created = await admin.PostAsync(new Uri($"/api/observances/{observance}/occurrences/{silenceAt.Year}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var occurrence = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        foreach (var venue in new[] { steady, flaky, down })
        {
            using var joined = await admin.PostAsJsonAsync(new Uri($"/api/occurrences/{occurrence}/venues", UriKind.Relative), new { venueId = venue.Id });
            Assert.True(joined.StatusCode == HttpStatusCode.Created, $"{(int)joined.StatusCode} {await joined.Content.ReadAsStringAsync()}");
        }

        // After the begin's deadline (the minute's end) nothing more can happen to it; the end's follows.
        var board = await WaitForBoardAsync(admin, occurrence, b => Deliveries(b, down.Id, "begin") is "failed"
            && Deliveries(b, steady.Id, "end") is "delivered" && Deliveries(b, flaky.Id, "end") is "delivered",
            silenceAt.AddSeconds(SilenceSeconds + 45));

        var calls = receiver.Calls.ToList();
        foreach (var (venue, path) in new[] { (steady, "steady"), (flaky, "flaky") })
        {
            var mine = calls.Where(c => c.Path == path).Select(c => (Call: c, Payload: JsonDocument.Parse(c.Body).RootElement)).ToList();
            var begins = mine.Where(c => c.Payload.GetProperty("signal").GetString() == "begin").ToList();
            var ends = mine.Where(c => c.Payload.GetProperty("signal").GetString() == "end").ToList();
            Assert.All(mine, c => Assert.Equal(WebhookSender.Sign(venue.WebhookSecret!, c.Call.Timestamp!, c.Call.Body), c.Call.Signature));
            Assert.All(mine, c => Assert.Equal(venue.Id, c.Payload.GetProperty("venueId").GetGuid()));
            var delivered = Assert.Single(begins, c => c.Call.AnsweredWith == 200);
            Assert.True(delivered.Call.ReceivedAt >= silenceAt, $"begin reached {path} at {delivered.Call.ReceivedAt:O}, before T {silenceAt:O}");
            Assert.All(begins, c => Assert.True(c.Call.ReceivedAt >= silenceAt, $"a begin reached {path} before T"));
            Assert.Equal(silenceAt, delivered.Payload.GetProperty("beginsAt").GetDateTimeOffset());
            var end = Assert.Single(ends);
            Assert.True(end.Call.ReceivedAt >= silenceAt.AddSeconds(SilenceSeconds), $"end reached {path} before the minute was over");
            Assert.Equal("delivered", Deliveries(board, venue.Id, "begin"));
        }
        var flakyBegins = calls.Where(c => c.Path == "flaky" && c.Signal == "begin").ToList();
        Assert.Equal([500, 500, 200], flakyBegins.OrderBy(c => c.ReceivedAt).Select(c => c.AnsweredWith));
        Assert.Equal(3, Attempts(board, flaky.Id, "begin"));
        // Never after its deadline: the last attempt at the down venue's begin was before the minute ended.
        var downAttempts = await fixture.App.InScopeAsync<CeremoniesDb, List<DateTimeOffset>>(db => db.SignalAttempts
            .Join(db.SignalDeliveries.Where(d => d.VenueId == down.Id && d.Signal == Signal.Begin), a => a.DeliveryId, d => d.Id, (a, d) => a.AttemptedAt)
            .ToListAsync());
        Assert.True(downAttempts.Count >= 2, $"{downAttempts.Count} attempts at the down venue");
        Assert.All(downAttempts, at => Assert.True(at < silenceAt.AddSeconds(SilenceSeconds), $"an attempt at {at:O}, after the minute ended"));
        Assert.DoesNotContain(calls, c => c.Path == "pa");
    }

    [Fact]
    public async Task AnOccurrenceIsPublicAndItsHostVenueTakesPartWithoutOptingIn()
    {
        var world = await World.CreateAsync(fixture);
        var admin = await world.ClientAsync(Who.Admin);
        var silenceAt = WholeSecondAhead(TimeSpan.FromDays(3));
        var observance = await CreateObservanceAsync(admin, silenceAt, hostVenueId: world.Memorial.Id);
        using var created = await admin.PostAsync(new Uri($"/api/observances/{observance}/occurrences/{silenceAt.Year}", UriKind.Relative), null);
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        using var again = await admin.PostAsync(new Uri($"/api/observances/{observance}/occurrences/{silenceAt.Year}", UriKind.Relative), null);
        var occurrence = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var view = await (await world.ClientAsync(Who.Anonymous)).GetFromJsonAsync<JsonElement>(new Uri($"/api/occurrences/{occurrence}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(occurrence, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        var memorial = Assert.Single(view.GetProperty("venues").EnumerateArray());
        Assert.Equal(world.Memorial.Id, memorial.GetProperty("venueId").GetGuid());
        Assert.Equal(silenceAt, memorial.GetProperty("beginsAt").GetDateTimeOffset());
        Assert.Equal("Asia/Baku", memorial.GetProperty("timeZone").GetString());
        Assert.Equal(silenceAt.ToOffset(TimeSpan.FromHours(4)).ToString("HH:mm:ss", CultureInfo.InvariantCulture), memorial.GetProperty("localTime").GetString());
    }

    private async Task<Venue> NewVenueAsync(string name, string zone, Uri webhook)
    {
        var now = DateTimeOffset.UtcNow;
        var venue = new Venue
        {
            Id = Guid.CreateVersion7(), Name = $"{name} {Guid.NewGuid():N}"[..20], City = "Test", Country = "AZ", TimeZone = zone,
            WebhookUrl = webhook.ToString(), WebhookSecret = $"secret-of-{name}-{Guid.NewGuid():N}", CreatedAt = now, UpdatedAt = now,
        };
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Venues.Add(venue);
            return db.SaveChangesAsync();
        });
        return venue;
    }

    private static DateTimeOffset WholeSecondAhead(TimeSpan ahead)
    {
        var at = DateTimeOffset.UtcNow + ahead;
        return new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, at.Second, TimeSpan.Zero).AddSeconds(1);
    }

    private static async Task<Guid> CreateObservanceAsync(HttpClient admin, DateTimeOffset silenceAt, Guid? hostVenueId = null)
    {
        using var response = await admin.PostAsJsonAsync(new Uri("/api/observances", UriKind.Relative), new
        {
            name = $"Test observance {Guid.NewGuid():N}"[..30],
            month = silenceAt.Month,
            day = silenceAt.Day,
            silenceLocalTime = silenceAt.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            referenceZone = "Etc/UTC",
            noticeMinutesBefore = 1440,
            prepareMinutesBefore = 1,
            silenceSeconds = SilenceSeconds,
            hostVenueId,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<JsonElement> WaitForBoardAsync(HttpClient admin, Guid occurrence, Func<JsonElement, bool> done, DateTimeOffset until)
    {
        JsonElement board;
        do
        {
            await Task.Delay(250);
            board = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/occurrences/{occurrence}/board", UriKind.Relative));
        }
        while (!done(board) && DateTimeOffset.UtcNow < until);
        Assert.True(done(board), $"the board did not settle: {board}");
        return board;
    }

    private static JsonElement Delivery(JsonElement board, Guid venueId, string signal) =>
        board.GetProperty("venues").EnumerateArray().Single(v => v.GetProperty("venue").GetProperty("venueId").GetGuid() == venueId)
            .GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("signal").GetString() == signal);

    private static string? Deliveries(JsonElement board, Guid venueId, string signal) => Delivery(board, venueId, signal).GetProperty("state").GetString();

    private static int Attempts(JsonElement board, Guid venueId, string signal) => Delivery(board, venueId, signal).GetProperty("attempts").GetInt32();
}
