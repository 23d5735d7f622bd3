using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ceremonies.Features.Bookings;
using Ceremonies.Infrastructure.Time;

namespace Ceremonies.Tests.Features.Bookings;

[Collection(AppTests.Name)]
public sealed class CalendarFeedTests(AppFixture fixture)
{
    [Fact]
    public async Task TheFeedParsesWithAnIndependentParserAndRoundTripsTimesUidsAndStatus()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        var day = world.FreeDay();
        var confirmed = await BookAsync(staff, world, "Commemoration ceremony; wreaths, flowers and a minute of silence — Khojaly", day.AddHours(10), day.AddHours(12));
        var cancelled = await BookAsync(staff, world, "Rehearsal", day.AddHours(14), day.AddHours(15));
        using var cancel = await staff.PostAsJsonAsync(new Uri($"/api/bookings/{cancelled.Id}/cancel", UriKind.Relative), new { reason = "Not needed" });
        var request = await world.NewRequestAsync();
        using var created = await staff.PostAsync(new Uri($"/api/halls/{world.AssemblyHall.Id}/calendar-feeds", UriKind.Relative), null);
        var feed = (await created.Content.ReadFromJsonAsync<CalendarFeedView>(BookingTests.Json))!;
        using var anonymous = new HttpClient();

        var text = await anonymous.GetStringAsync(OnThisApp(feed.Url));
        using var parsed = JsonDocument.Parse(await IcsParser.ParseAsync(text));

        var events = parsed.RootElement.GetProperty("events").EnumerateArray().ToDictionary(e => e.GetProperty("uid").GetString()!);
        var ceremony = events[$"booking-{confirmed.Id}@ceremonies"];
        Assert.Equal(confirmed.Title, ceremony.GetProperty("summary").GetString());
        Assert.Equal(confirmed.Start.Instant, ceremony.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(confirmed.End.Instant, ceremony.GetProperty("end").GetDateTimeOffset());
        Assert.Equal("CONFIRMED", ceremony.GetProperty("status").GetString());
        var rehearsal = events[$"booking-{cancelled.Id}@ceremonies"];
        Assert.Equal("CANCELLED", rehearsal.GetProperty("status").GetString());
        Assert.Equal(1, rehearsal.GetProperty("sequence").GetInt32());
        Assert.Equal("TENTATIVE", events[$"booking-{request.Id}@ceremonies"].GetProperty("status").GetString());
        Assert.All(text.Split("\r\n"), line => Assert.True(System.Text.Encoding.UTF8.GetByteCount(line) <= 75, line));
    }

    [Fact]
    public async Task CharactersBeyondTheBasicPlaneSurviveTheFoldingOfLongLines()
    {
        var world = await World.CreateAsync(fixture);
        var day = world.FreeDay();
        var span = new ZonedSpan(ZonedTime.Resolve(day.AddHours(10), world.Memorial.TimeZone)!.Value, ZonedTime.Resolve(day.AddHours(11), world.Memorial.TimeZone)!.Value);
        // Each candle is two UTF-16 units and four octets; shifted by 0–5 letters, some fall on a fold.
        var titles = Enumerable.Range(0, 6).Select(shift => new string('x', shift) + string.Concat(Enumerable.Repeat("🕯️", 25))).ToList();
        var bookings = titles.Select(title => Booking.New(world.AssemblyHall, span, title, BookingKind.CommemorationCeremony, 10,
            "staff@example.test", null, world.Person(Who.Staff).Id, byStaff: true, TimeSpan.FromDays(3), DateTimeOffset.UtcNow)).ToList();

        var text = CalendarFeedEndpoints.Calendar(new HallContext(world.AssemblyHall, world.Memorial.Name, world.Memorial.TimeZone), bookings, []);
        using var parsed = JsonDocument.Parse(await IcsParser.ParseAsync(text));

        Assert.Equal(titles, parsed.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("summary").GetString()));
        Assert.All(text.Split("\r\n"), line => Assert.True(System.Text.Encoding.UTF8.GetByteCount(line) <= 75, line));
    }

    [Fact]
    public async Task AWrongOrRevokedTokenFindsNoCalendar()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        using var created = await staff.PostAsync(new Uri($"/api/halls/{world.AssemblyHall.Id}/calendar-feeds", UriKind.Relative), null);
        var feed = (await created.Content.ReadFromJsonAsync<CalendarFeedView>(BookingTests.Json))!;
        using var anonymous = new HttpClient();

        using var wrong = await anonymous.GetAsync(OnThisApp(feed.Url + "x"));
        using var before = await anonymous.GetAsync(OnThisApp(feed.Url));
        using var revoked = await staff.DeleteAsync(new Uri($"/api/calendar-feeds/{feed.Id}", UriKind.Relative));
        using var after = await anonymous.GetAsync(OnThisApp(feed.Url));

        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal("text/calendar", before.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    private static async Task<BookingView> BookAsync(HttpClient staff, World world, string title, DateTime start, DateTime end)
    {
        using var response = await staff.PostAsJsonAsync(BookingTests.Book(world), BookingTests.Booking(title, start, end));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BookingView>(BookingTests.Json))!;
    }

    // The feed's address starts with the site's public address; the test app listens elsewhere.
    private Uri OnThisApp(string url) => new(fixture.App.Address, new Uri(url).PathAndQuery);
}
