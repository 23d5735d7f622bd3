using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ceremonies.Data;
using Ceremonies.Features.Events;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Events;

// The event page as plain HTTP sees it: who gets it at all, and the schema.org data search engines read.
[Collection(AppTests.Name)]
public sealed partial class EventPageTests(AppFixture fixture)
{
    [Fact]
    public async Task AnApprovedEventsPageCarriesASchemaOrgEventWithItsTimesAtTheEventZonesOffset()
    {
        var world = await World.CreateAsync(fixture);
        // A title that would end the script element, were it written into the page unescaped.
        var title = $"Remembrance </script><script>window.__xss=1</script> {Guid.NewGuid():N}";
        var e = await world.NewEventAsync(EventState.Approved, title: title, city: "Lyon", zone: "Europe/Paris");
        using var client = fixture.App.CreateClient();

        var html = await client.GetStringAsync(new Uri($"/events/{e.Id}", UriKind.Relative));

        var blocks = JsonLdBlock().Matches(html);
        Assert.Single(blocks);
        using var json = JsonDocument.Parse(blocks[0].Groups[1].Value);
        var root = json.RootElement;
        Assert.Equal("https://schema.org", root.GetProperty("@context").GetString());
        Assert.Equal("Event", root.GetProperty("@type").GetString());
        Assert.Equal(title, root.GetProperty("name").GetString());
        var offset = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris").GetUtcOffset(e.StartsAt);
        var expectedStart = e.LocalStart.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)
            + (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString("hh\\:mm", CultureInfo.InvariantCulture);
        Assert.Equal(expectedStart, root.GetProperty("startDate").GetString());
        Assert.Equal(e.StartsAt, DateTimeOffset.Parse(root.GetProperty("startDate").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(e.EndsAt, DateTimeOffset.Parse(root.GetProperty("endDate").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal("https://schema.org/EventScheduled", root.GetProperty("eventStatus").GetString());
        var location = root.GetProperty("location");
        Assert.Equal("Place", location.GetProperty("@type").GetString());
        Assert.Equal("PostalAddress", location.GetProperty("address").GetProperty("@type").GetString());
        Assert.Equal("1 rue de la Paix", location.GetProperty("address").GetProperty("streetAddress").GetString());
        Assert.Equal("Lyon", location.GetProperty("address").GetProperty("addressLocality").GetString());
        Assert.Equal("FR", location.GetProperty("address").GetProperty("addressCountry").GetString());
        Assert.Equal("Organization", root.GetProperty("organizer").GetProperty("@type").GetString());
        Assert.Equal("Community association", root.GetProperty("organizer").GetProperty("name").GetString());
        Assert.Equal("Readings and a minute of silence.", root.GetProperty("description").GetString());
        Assert.Equal(["az", "fr"], root.GetProperty("inLanguage").EnumerateArray().Select(l => l.GetString()));
        Assert.EndsWith($"/events/{e.Id}", root.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("<script>window.__xss", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEventWaitingForReviewIsNotFoundForTheAnonymousAndOtherOrganizersButShownToItsOrganizerAndModerators()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Submitted, organizer: world.Person(Who.Organizer));
        var other = await world.NewPersonAsync("other-organizer");
        await world.NewEventAsync(EventState.Approved, organizer: other);
        using var otherClient = fixture.App.CreateClient();
        otherClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await World.TokenAsync(otherClient, other.Email!));

        var seen = new Dictionary<string, HttpStatusCode>();
        foreach (var who in new[] { Who.Anonymous, Who.Organizer, Who.Moderator, Who.Admin })
        {
            using var client = await world.ClientAsync(who);
            seen[who.ToString()] = await StatusAsync(client, e.Id);
        }
        seen["another organizer"] = await StatusAsync(otherClient, e.Id);

        Assert.Equal(HttpStatusCode.NotFound, seen["Anonymous"]);
        Assert.Equal(HttpStatusCode.NotFound, seen["another organizer"]);
        Assert.Equal(HttpStatusCode.OK, seen["Organizer"]);
        Assert.Equal(HttpStatusCode.OK, seen["Moderator"]);
        Assert.Equal(HttpStatusCode.OK, seen["Admin"]);
        using var organizer = await world.ClientAsync(Who.Organizer);
        var html = await organizer.GetStringAsync(new Uri($"/events/{e.Id}", UriKind.Relative));
        Assert.Empty(JsonLdBlock().Matches(html));
        Assert.Contains("submitted, waiting for a moderator", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpeningARegistrationLinkChangesNothing()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var (registration, token) = await world.NewRegistrationAsync(e, RegistrationState.Offered);
        using var client = fixture.App.CreateClient();

        using var response = await client.GetAsync(new Uri($"/events/registration?token={Uri.EscapeDataString(token)}", UriKind.Relative));
        using var unknown = await client.GetAsync(new Uri("/events/registration?token=not-a-token", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Take the seat", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var after = await fixture.App.InScopeAsync<CeremoniesDb, EventRegistration>(db => db.EventRegistrations.AsNoTracking().SingleAsync(r => r.Id == registration.Id));
        Assert.Equal(RegistrationState.Offered, after.State);
    }

    [Fact]
    public async Task TheListingPagesOnWithANextLinkAndItsFeedLinkKeepsTheSearch()
    {
        var world = await World.CreateAsync(fixture);
        var tag = $"Wreath{Guid.NewGuid():N}";
        var events = new List<CommunityEvent>();
        for (var i = 0; i <= IndexModel.PageSize; i++)
        {
            events.Add(await world.NewEventAsync(EventState.Approved, title: $"{tag} {i}"));
        }
        using var client = fixture.App.CreateClient();

        var first = await client.GetStringAsync(new Uri($"/events?q={tag}", UriKind.Relative));
        var next = NextLink().Match(first);
        Assert.True(next.Success, "no link to the next page");
        var second = await client.GetStringAsync(new Uri(WebUtility.HtmlDecode(next.Groups[1].Value), UriKind.Relative));

        var ordered = events.OrderBy(e => e.StartsAt).ThenBy(e => e.Id).Select(e => e.Id).ToList();
        Assert.Equal(ordered.Take(IndexModel.PageSize), ListedIds(first));
        Assert.Equal(ordered.Skip(IndexModel.PageSize), ListedIds(second));
        Assert.DoesNotMatch(NextLink(), second);
        Assert.Contains($"href=\"/api/events.ics?q={tag}\"", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AListingSearchThatCannotBeUsedSaysWhichFieldToMendAndKeepsWhatWasTyped()
    {
        using var client = fixture.App.CreateClient();

        var html = await client.GetStringAsync(new Uri("/events?country=FRA&from=2027-03-01&to=2027-02-01", UriKind.Relative));

        Assert.Contains("<span id=\"country-error\" class=\"field-error\">Give an ISO 3166-1 alpha-2 country code, such as FR.</span>", html, StringComparison.Ordinal);
        Assert.Contains("<span id=\"to-error\" class=\"field-error\">Give a last day that is not before the first.</span>", html, StringComparison.Ordinal);
        Assert.Contains("value=\"FRA\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"2027-03-01\"", html, StringComparison.Ordinal);
    }

    // The last day of the calendar cannot be made the end of a search: a field error, not a 500.
    [Fact]
    public async Task ASearchToTheLastDayOfTheCalendarNamesTheFieldInsteadOfFailing()
    {
        using var client = fixture.App.CreateClient();

        using var response = await client.GetAsync(new Uri("/events?to=9999-12-31", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<span id=\"to-error\" class=\"field-error\">Give a date from 2000 to 2200", html, StringComparison.Ordinal);
    }

    private static List<Guid> ListedIds(string html) => [.. ListedEvent().Matches(html).Select(m => Guid.Parse(m.Groups[1].Value))];

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, Guid eventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/events/{eventId}", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [GeneratedRegex("<a href=\"([^\"]+)\" data-testid=\"next-page\"")]
    private static partial Regex NextLink();

    [GeneratedRegex("""<li data-testid="event-([0-9a-f-]{36})">""")]
    private static partial Regex ListedEvent();

    [GeneratedRegex("""<script type="application/ld\+json"[^>]*>(.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex JsonLdBlock();
}
