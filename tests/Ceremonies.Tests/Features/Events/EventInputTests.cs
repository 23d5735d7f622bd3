using System.Net;
using System.Net.Http.Json;
using System.Text;
using Ceremonies.Data;
using Ceremonies.Features.Events;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Events;

// A submission that cannot stand is refused with the field to mend, and nothing is stored.
[Collection(AppTests.Name)]
public sealed class EventInputTests(AppFixture fixture)
{
    public static TheoryData<string, string> BadSubmissions => new()
    {
        { """{ "timeZone": "Mars/Olympus" }""", "timeZone" },
        { """{ "timeZone": "CET" }""", "timeZone" },
        { """{ "country": "XX" }""", "country" },
        { """{ "start": "2031-03-01T20:00:00", "end": "2031-03-01T18:00:00" }""", "end" },
        { """{ "start": "2020-03-01T18:00:00", "end": "2020-03-01T20:00:00" }""", "start" },
        { """{ "start": "2031-03-01T18:00:00Z" }""", "start" },
        // The clocks skip 02:30 in Paris on the last Sunday of March 2031.
        { """{ "start": "2031-03-30T02:30:00", "end": "2031-03-30T04:00:00" }""", "start" },
        { """{ "capacity": 0 }""", "capacity" },
        { """{ "languages": ["French"] }""", "languages" },
        { """{ "holdsSilence": true }""", "occurrenceId" },
        { """{ "occurrenceId": "0193a6f0-0000-7000-8000-000000000000" }""", "occurrenceId" },
        { """{ "title": "" }""", "title" },
        { """{ "title": "Remembrance\u0000" }""", "title" },
        { """{ "capacity": "many" }""", "capacity" },
    };

    [Theory]
    [MemberData(nameof(BadSubmissions))]
    public async Task ABadSubmissionIsRefusedNamingTheFieldAndStoresNothing(string change, string field)
    {
        var world = await World.CreateAsync(fixture);
        using var client = await world.ClientAsync(Who.Organizer);
        var title = $"Remembrance {Guid.NewGuid():N}";
        var body = JsonBodies.Merge(Valid(title), change);

        using var response = await client.PostAsync(new Uri("/api/events", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        await ProblemAssert.NamesAsync(response, [field], change);
        Assert.False(await fixture.App.InScopeAsync<CeremoniesDb, bool>(db => db.Events.AnyAsync(e => e.OrganizerId == world.Person(Who.Organizer).Id)));
    }

    [Fact]
    public async Task ADescriptionLongerThanAllowedAndMalformedJsonAreRefused()
    {
        var world = await World.CreateAsync(fixture);
        using var client = await world.ClientAsync(Who.Organizer);

        using var tooLong = await client.PostAsync(new Uri("/api/events", UriKind.Relative),
            new StringContent(JsonBodies.Merge(Valid("Remembrance"), $$"""{ "description": "{{new string('a', 20_001)}}" }"""), Encoding.UTF8, "application/json"));
        using var malformed = await client.PostAsync(new Uri("/api/events", UriKind.Relative), new StringContent("{ \"title\": ", Encoding.UTF8, "application/json"));

        await ProblemAssert.NamesAsync(tooLong, ["description"], "a description of 20,001 characters");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AValidSubmissionIsStoredAsSubmittedWithItsZoneAsTheDatabaseSpellsIt()
    {
        var world = await World.CreateAsync(fixture);
        using var client = await world.ClientAsync(Who.Organizer);

        using var response = await client.PostAsync(new Uri("/api/events", UriKind.Relative),
            new StringContent(JsonBodies.Merge(Valid("Remembrance"), """{ "timeZone": "europe/paris" }"""), Encoding.UTF8, "application/json"));
        var view = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("submitted", view.GetProperty("state").GetString());
        Assert.False(view.GetProperty("published").GetBoolean());
        Assert.Equal("Europe/Paris", view.GetProperty("start").GetProperty("timeZone").GetString());
        Assert.NotNull(response.Headers.ETag);
    }

    private static string Valid(string title) => $$"""
        {
          "title": "{{title}}", "organizerName": "Association of the community", "start": "2031-03-01T18:00:00", "end": "2031-03-01T20:00:00",
          "timeZone": "Europe/Paris", "address": "1 rue de la Paix", "city": "Paris", "country": "FR", "capacity": 80,
          "contact": "contact@example.test", "languages": ["fr", "az"], "description": "Readings and a *minute of silence*."
        }
        """;
}
