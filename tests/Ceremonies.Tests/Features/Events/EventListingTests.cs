using System.Net;
using System.Text.Json;
using Ceremonies.Features.Events;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Events;

// The public listing: its filters, its cursor pages, and its .ics feed, which lists the same events.
[Collection(AppTests.Name)]
public sealed class EventListingTests(AppFixture fixture)
{
    [Fact]
    public async Task TheListingPagedByCursorAndItsFeedGiveTheSameEventsForTheSameFilter()
    {
        var world = await World.CreateAsync(fixture);
        var city = $"Lyon {Guid.NewGuid():N}"[..16];
        var day = DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(60), DateTimeKind.Unspecified);
        var listed = new List<CommunityEvent>();
        for (var i = 0; i < 5; i++)
        {
            // Two of them at the same moment: the cursor must still move past both.
            listed.Add(await world.NewEventAsync(EventState.Approved, city: city, localStart: day.AddDays(i == 1 ? 0 : i).AddHours(18)));
        }
        var elsewhere = await world.NewEventAsync(EventState.Approved, city: $"{city} Nord", localStart: day.AddHours(18));
        var otherCountry = await world.NewEventAsync(EventState.Approved, city: city, country: "BE", zone: "Europe/Brussels", localStart: day.AddHours(18));
        var pending = await world.NewEventAsync(EventState.Submitted, city: city, localStart: day.AddHours(18));
        var later = await world.NewEventAsync(EventState.Approved, city: city, localStart: day.AddDays(30).AddHours(18));
        var filter = $"country=FR&city={Uri.EscapeDataString(city)}&to={Uri.EscapeDataString(new DateTimeOffset(day.AddDays(10), TimeSpan.Zero).ToString("O"))}";
        using var client = fixture.App.CreateClient();

        var paged = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var answer = await client.GetStringAsync(new Uri($"/api/events?{filter}&limit=2{(cursor is null ? "" : $"&cursor={cursor}")}", UriKind.Relative));
            using var body = JsonDocument.Parse(answer);
            paged.AddRange(body.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
            cursor = body.RootElement.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);
        var ics = await client.GetStringAsync(new Uri($"/api/events.ics?{filter}", UriKind.Relative));
        using var parsed = JsonDocument.Parse(await IcsParser.ParseAsync(ics));
        var fed = parsed.RootElement.GetProperty("events").EnumerateArray().Select(e => Guid.Parse(e.GetProperty("uid").GetString()!["event-".Length..^"@ceremonies".Length])).ToList();

        var expected = listed.OrderBy(e => e.StartsAt).ThenBy(e => e.Id).Select(e => e.Id).ToList();
        Assert.Equal(expected, paged);
        Assert.Equal(3, pages);
        Assert.Equal(expected, fed);
        Assert.DoesNotContain(elsewhere.Id, paged);
        Assert.DoesNotContain(otherCountry.Id, paged);
        Assert.DoesNotContain(pending.Id, paged);
        Assert.DoesNotContain(later.Id, paged);
        var first = parsed.RootElement.GetProperty("events")[0];
        Assert.Equal(listed[0].StartsAt, first.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(listed[0].Title, first.GetProperty("summary").GetString());
    }

    // An appointment is answered with its local time and zone and with its instant and offset.
    [Fact]
    public async Task AnEventIsAnsweredWithItsLocalTimeItsZoneAndItsInstant()
    {
        var world = await World.CreateAsync(fixture);
        var day = DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(50), DateTimeKind.Unspecified);
        var e = await world.NewEventAsync(EventState.Approved, zone: "America/New_York", city: "New York", country: "US", localStart: day.AddHours(18));
        using var client = fixture.App.CreateClient();

        using var body = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative)));

        var start = body.RootElement.GetProperty("start");
        Assert.Equal(day.AddHours(18), start.GetProperty("local").GetDateTime());
        Assert.Equal("America/New_York", start.GetProperty("timeZone").GetString());
        Assert.Equal(e.StartsAt, start.GetProperty("instant").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=500", "limit")]
    [InlineData("country=France", "country")]
    [InlineData("from=2027-03-01T00:00:00Z&to=2027-02-01T00:00:00Z", "to")]
    public async Task ABadFilterIsRefusedAndNamesTheField(string query, string field)
    {
        using var client = fixture.App.CreateClient();

        using var list = await client.GetAsync(new Uri($"/api/events?{query}", UriKind.Relative));

        await ProblemAssert.NamesAsync(list, [field], query);
        if (field != "cursor" && field != "limit")
        {
            using var feed = await client.GetAsync(new Uri($"/api/events.ics?{query}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, feed.StatusCode);
        }
    }

    // As after an update of the time-zone data: a stored instant no longer matches the local time.
    [Fact]
    public async Task AnEventsInstantIsComputedAgainFromItsLocalTimeWhenItNoLongerMatches()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        await fixture.App.InScopeAsync<Ceremonies.Data.CeremoniesDb, int>(db => db.Events.Where(x => x.Id == e.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.StartsAt, e.StartsAt.AddHours(1)).SetProperty(x => x.EndsAt, e.EndsAt.AddHours(1))));

        var moved = await fixture.App.InScopeAsync<EventTimes, int>(t => t.RunAsync(CancellationToken.None));
        var again = await fixture.App.InScopeAsync<EventTimes, int>(t => t.RunAsync(CancellationToken.None));

        Assert.True(moved >= 1);
        Assert.Equal(0, again);
        var stored = await fixture.App.InScopeAsync<Ceremonies.Data.CeremoniesDb, CommunityEvent>(db => db.Events.AsNoTracking().SingleAsync(x => x.Id == e.Id));
        Assert.Equal(e.StartsAt, stored.StartsAt);
        Assert.Equal(e.EndsAt, stored.EndsAt);
        Assert.Equal(e.Sequence + 1, stored.Sequence);
    }
}
