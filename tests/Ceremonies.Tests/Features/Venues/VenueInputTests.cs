using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Venues;

// Bad input is a 400 (413 for a body over the limit) that names every bad field, and writes nothing.
[Collection(AppTests.Name)]
public sealed class VenueInputTests(AppFixture fixture)
{
    public static TheoryData<string, string, string[]> BadVenues => new()
    {
        { "unknown zone", """{"name":"V","city":"Baku","country":"AZ","timeZone":"Mars/Olympus"}""", ["timeZone"] },
        { "Windows zone id", """{"name":"V","city":"Baku","country":"AZ","timeZone":"Azerbaijan Standard Time"}""", ["timeZone"] },
        { "unknown country", """{"name":"V","city":"Baku","country":"XX","timeZone":"Asia/Baku"}""", ["country"] },
        { "missing fields", """{}""", ["name", "city", "country", "timeZone"] },
        { "oversized text", $$"""{"name":"{{new string('n', 201)}}","city":"Baku","country":"AZ","timeZone":"Asia/Baku"}""", ["name"] },
        { "not an address", """{"name":"V","city":"Baku","country":"AZ","timeZone":"Asia/Baku","contactEmail":"nobody"}""", ["contactEmail"] },
        { "wrong JSON type", """{"name":12,"city":"Baku","country":"AZ","timeZone":"Asia/Baku"}""", ["name"] },
        // A PA system's webhook may not point at the cloud's metadata service, the private network or this machine.
        { "metadata webhook", Webhook("http://169.254.169.254/latest/meta-data/"), ["webhookUrl"] },
        { "link-local webhook", Webhook("http://169.254.10.20/pa"), ["webhookUrl"] },
        { "private webhook", Webhook("http://10.1.2.3/pa"), ["webhookUrl"] },
        { "loopback webhook", Webhook("http://127.0.0.1:8080/pa"), ["webhookUrl"] },
        { "metadata webhook over IPv6", Webhook("http://[fd00:ec2::254]/latest"), ["webhookUrl"] },
        { "IPv4 in IPv6 webhook", Webhook("http://[::ffff:169.254.169.254]/"), ["webhookUrl"] },
        { "webhook with credentials", Webhook("https://user:pass@203.0.113.10/pa"), ["webhookUrl"] },
    };

    private static string Webhook(string url) =>
        $$"""{"name":"V","city":"Baku","country":"AZ","timeZone":"Asia/Baku","webhookUrl":"{{url}}","webhookSecret":"a-secret-of-sixteen-or-more"}""";

    public static TheoryData<string, string, string[]> BadHalls => new()
    {
        { "negative capacity", Hall(capacity: "-5"), ["capacity"] },
        { "buffers over a day", Hall(setup: "1441", teardown: "2000"), ["setupMinutes", "teardownMinutes"] },
        { "closes before it opens", Hall(hours: """[{"day":"monday","opens":"18:00:00","closes":"09:00:00"}]"""), ["openingHours"] },
        { "overlapping spans", Hall(hours: """[{"day":"monday","opens":"09:00:00","closes":"13:00:00"},{"day":"monday","opens":"12:00:00","closes":"18:00:00"}]"""), ["openingHours"] },
        { "missing fields", """{}""", ["name", "capacity", "openingHours"] },
        { "capacity as text", Hall(capacity: "\"many\""), ["capacity"] },
        { "unknown weekday", Hall(hours: """[{"day":"someday","opens":"09:00:00","closes":"18:00:00"}]"""), ["openingHours[0].day"] },
    };

    [Theory]
    [MemberData(nameof(BadVenues))]
    public async Task ABadVenueIsRefusedNamingEachFieldAndNothingIsWritten(string why, string json, string[] fields)
    {
        var world = await World.CreateAsync(fixture);
        using var admin = await world.ClientAsync(Who.Admin);
        var before = await CountsAsync();

        using var response = await admin.PostAsync(new Uri("/api/venues", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

        await ProblemAssert.NamesAsync(response, fields, why);
        Assert.Equal(before, await CountsAsync());
    }

    // Whatever the letter case it was sent in, a zone is stored as the time zone database spells it.
    [Theory]
    [InlineData("europe/paris", "Europe/Paris")]
    [InlineData("ASIA/BAKU", "Asia/Baku")]
    [InlineData("America/new_york", "America/New_York")]
    public async Task AZoneIdInAnyCaseIsStoredAsTheDatabaseSpellsIt(string sent, string stored)
    {
        var world = await World.CreateAsync(fixture);
        using var admin = await world.ClientAsync(Who.Admin);
        var name = $"Zone test {Guid.NewGuid():N}";

        using var created = await admin.PostAsJsonAsync(new Uri("/api/venues", UriKind.Relative), new { name, city = "Paris", country = "FR", timeZone = sent });
        var view = await created.Content.ReadFromJsonAsync<VenueView>();
        using var updated = await admin.PutAsJsonAsync(new Uri($"/api/venues/{view!.Id}", UriKind.Relative), new { name, city = "Paris", country = "FR", timeZone = sent.ToUpperInvariant() });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(stored, view.TimeZone);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(stored, (await updated.Content.ReadFromJsonAsync<VenueView>())!.TimeZone);
        Assert.Equal(stored, await fixture.App.InScopeAsync<CeremoniesDb, string>(db => db.Venues.Where(v => v.Id == view.Id).Select(v => v.TimeZone).SingleAsync()));
    }

    [Theory]
    [MemberData(nameof(BadHalls))]
    public async Task ABadHallIsRefusedNamingEachFieldAndNothingIsWritten(string why, string json, string[] fields)
    {
        var world = await World.CreateAsync(fixture);
        using var manager = await world.ClientAsync(Who.Manager);
        var before = await CountsAsync();

        using var created = await manager.PostAsync(new Uri($"/api/venues/{world.Memorial.Id}/halls", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        await ProblemAssert.NamesAsync(created, fields, why);
        using var updated = await manager.PutAsync(new Uri($"/api/halls/{world.AssemblyHall.Id}", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        await ProblemAssert.NamesAsync(updated, fields, why);

        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task ATenMegabyteBodyIsRefusedBeforeItIsRead()
    {
        var world = await World.CreateAsync(fixture);
        using var admin = await world.ClientAsync(Who.Admin);
        var before = await CountsAsync();
        var huge = $$"""{"name":"V","city":"Baku","country":"AZ","timeZone":"Asia/Baku","address":"{{new string('a', 10 * 1024 * 1024)}}"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/venues", UriKind.Relative))
        {
            Content = new StringContent(huge, Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;

        using var response = await admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task AStaleIfMatchIsRefusedWith412AndTheFreshOneIsAccepted()
    {
        var world = await World.CreateAsync(fixture);
        using var manager = await world.ClientAsync(Who.Manager);
        using var read = await manager.GetAsync(new Uri($"/api/halls/{world.AssemblyHall.Id}", UriKind.Relative));
        var etag = read.Headers.ETag?.ToString();
        Assert.NotNull(etag);
        var change = JsonContent.Create(new { name = "Assembly hall", capacity = 280, setupMinutes = 30, teardownMinutes = 30, openingHours = new[] { new { day = "monday", opens = "09:00:00", closes = "18:00:00" } } });

        using var first = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/halls/{world.AssemblyHall.Id}", UriKind.Relative)) { Content = change };
        first.Headers.TryAddWithoutValidation("If-Match", etag);
        using var accepted = await manager.SendAsync(first);
        using var second = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/halls/{world.AssemblyHall.Id}", UriKind.Relative)) { Content = change };
        second.Headers.TryAddWithoutValidation("If-Match", etag);
        using var stale = await manager.SendAsync(second);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.NotEqual(etag, accepted.Headers.ETag?.ToString());
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
    }

    private Task<string> CountsAsync() => fixture.App.InScopeAsync<CeremoniesDb, string>(async db =>
        $"venues={await db.Venues.CountAsync()} halls={await db.Halls.CountAsync()} audit={await db.AuditLog.CountAsync()} " +
        $"hallVersions={string.Join(",", await db.Halls.OrderBy(h => h.Id).Select(h => h.Version).ToListAsync())}");

    private static string Hall(string capacity = "50", string setup = "15", string teardown = "15",
        string hours = """[{"day":"monday","opens":"09:00:00","closes":"17:00:00"}]""") =>
        $$"""{"name":"Hall","capacity":{{capacity}},"setupMinutes":{{setup}},"teardownMinutes":{{teardown}},"openingHours":{{hours}}}""";
}
