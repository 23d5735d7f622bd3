using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ceremonies.Data;
using Ceremonies.Features.Events;
using Ceremonies.Features.Observances;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Observances;

// A community event that holds the minute of silence joins the occurrence's participants, on its own
// clock, once a moderator approved it.
[Collection(AppTests.Name)]
public sealed class SilenceEventsTests(AppFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    [Fact]
    public async Task TheOccurrenceListsOnlyItsApprovedEventsHoldingTheMinuteEachAtTheInstantOnItsOwnClock()
    {
        var world = await World.CreateAsync(fixture);
        var occurrence = await world.NewOccurrenceAsync();
        var paris = await world.NewEventAsync(EventState.Approved, occurrenceId: occurrence.Id, holdsSilence: true);
        var sydney = await world.NewEventAsync(EventState.Approved, city: "Sydney", country: "AU", zone: "Australia/Sydney",
            occurrenceId: occurrence.Id, holdsSilence: true);
        var notHolding = await world.NewEventAsync(EventState.Approved, occurrenceId: occurrence.Id);
        var submitted = await world.NewEventAsync(EventState.Submitted, occurrenceId: occurrence.Id, holdsSilence: true);
        var rejected = await world.NewEventAsync(EventState.Rejected, occurrenceId: occurrence.Id, holdsSilence: true);
        var withdrawn = await world.NewEventAsync(EventState.Withdrawn, occurrenceId: occurrence.Id, holdsSilence: true);
        var changed = await world.NewEventAsync(EventState.Approved, occurrenceId: occurrence.Id, holdsSilence: true);
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
            db.Events.Where(e => e.Id == changed.Id).ExecuteUpdateAsync(u => u.SetProperty(e => e.State, EventState.Submitted)));
        var elsewhere = await world.NewEventAsync(EventState.Approved, occurrenceId: (await world.NewOccurrenceAsync()).Id, holdsSilence: true);
        using var client = await world.ClientAsync(Who.Anonymous);

        var view = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/occurrences/{occurrence.Id}", UriKind.Relative));

        Assert.Equal(
            ["id", "observanceId", "observanceName", "year", "date", "silenceLocalTime", "referenceZone", "mode", "silenceAt", "silenceSeconds", "venues", "communityEvents"],
            view.EnumerateObject().Select(p => p.Name));
        var listed = view.GetProperty("communityEvents").EnumerateArray().ToList();
        // One instant for all: the same beginning, then by city.
        Assert.Equal([paris.Id, sydney.Id], listed.Select(e => e.GetProperty("eventId").GetGuid()));
        Assert.DoesNotContain(listed, e => new[] { notHolding.Id, submitted.Id, rejected.Id, withdrawn.Id, changed.Id, elsewhere.Id }.Contains(e.GetProperty("eventId").GetGuid()));
        string[] zones = ["Europe/Paris", "Australia/Sydney"];
        foreach (var (e, zone) in listed.Zip(zones))
        {
            var local = TimeZoneInfo.ConvertTime(occurrence.SilenceAt, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime;
            Assert.Equal(zone, e.GetProperty("timeZone").GetString());
            Assert.Equal(occurrence.SilenceAt, e.GetProperty("beginsAt").GetDateTimeOffset());
            Assert.Equal(DateOnly.FromDateTime(local), DateOnly.Parse(e.GetProperty("localDate").GetString()!, CultureInfo.InvariantCulture));
            Assert.Equal(TimeOnly.FromDateTime(local), TimeOnly.Parse(e.GetProperty("localTime").GetString()!, CultureInfo.InvariantCulture));
            Assert.Equal(DateOnly.FromDateTime(local) != occurrence.LocalDate, e.GetProperty("differentDay").GetBoolean());
            Assert.Equal("exact", e.GetProperty("timeRule").GetString());
        }
        Assert.Equal(("Paris", "FR", paris.Title, paris.OrganizerName),
            (listed[0].GetProperty("city").GetString(), listed[0].GetProperty("country").GetString(), listed[0].GetProperty("title").GetString(),
                listed[0].GetProperty("organizerName").GetString()));
        Assert.Equal(("Sydney", "AU"), (listed[1].GetProperty("city").GetString(), listed[1].GetProperty("country").GetString()));
    }

    // In local-time mode each event holds the minute at 17:00 on its own clock, on the occurrence's date.
    [Fact]
    public async Task InLocalTimeModeAnEventHoldsTheMinuteAtTheRulesTimeInItsZone()
    {
        var world = await World.CreateAsync(fixture);
        var occurrence = await world.NewOccurrenceAsync(mode: SilenceMode.LocalTime);
        var newYork = await world.NewEventAsync(EventState.Approved, city: "New York", country: "US", zone: "America/New_York",
            occurrenceId: occurrence.Id, holdsSilence: true);
        var paris = await world.NewEventAsync(EventState.Approved, occurrenceId: occurrence.Id, holdsSilence: true);
        using var client = await world.ClientAsync(Who.Anonymous);

        var view = await client.GetFromJsonAsync<OccurrenceView>(new Uri($"/api/occurrences/{occurrence.Id}", UriKind.Relative), Json);

        Assert.NotNull(view);
        Assert.Equal([paris.Id, newYork.Id], view.CommunityEvents.Select(e => e.EventId));
        string[] zones = ["Europe/Paris", "America/New_York"];
        foreach (var (e, zone) in view.CommunityEvents.Zip(zones))
        {
            var at = occurrence.LocalDate.ToDateTime(new TimeOnly(17, 0));
            var instant = new DateTimeOffset(at, TimeZoneInfo.FindSystemTimeZoneById(zone).GetUtcOffset(at));
            Assert.Equal((zone, occurrence.LocalDate, new TimeOnly(17, 0), instant, false), (e.TimeZone, e.LocalDate, e.LocalTime, e.BeginsAt, e.DifferentDay));
        }
    }

    [Fact]
    public async Task TheOccurrencePageShowsTheApprovedEventsHoldingTheMinuteAndNotTheOthers()
    {
        var world = await World.CreateAsync(fixture);
        var occurrence = await world.NewOccurrenceAsync();
        var paris = await world.NewEventAsync(EventState.Approved, occurrenceId: occurrence.Id, holdsSilence: true);
        var submitted = await world.NewEventAsync(EventState.Submitted, occurrenceId: occurrence.Id, holdsSilence: true);
        var empty = await world.NewOccurrenceAsync();
        using var client = await world.ClientAsync(Who.Anonymous);

        var page = await client.GetStringAsync(new Uri($"/occurrences/{occurrence.Id}", UriKind.Relative));
        var none = await client.GetStringAsync(new Uri($"/occurrences/{empty.Id}", UriKind.Relative));

        Assert.Contains("Community events holding the minute", page, StringComparison.Ordinal);
        Assert.Contains($"data-testid=\"event-{paris.Id}\"", page, StringComparison.Ordinal);
        Assert.Contains(paris.Title, page, StringComparison.Ordinal);
        var local = TimeZoneInfo.ConvertTime(occurrence.SilenceAt, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")).DateTime;
        Assert.Contains($"{local.ToString("HH:mm", CultureInfo.InvariantCulture)} (Europe/Paris)", page, StringComparison.Ordinal);
        Assert.DoesNotContain(submitted.Id.ToString(), page, StringComparison.Ordinal);
        Assert.DoesNotContain(submitted.Title, page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"no-community-events\"", none, StringComparison.Ordinal);
    }

    // Organizers change their own approved events without a moderator unless the change matters to
    // the public; claiming the minute puts the event on the occurrence's page, so it does.
    [Fact]
    public async Task AnApprovedEventThatTakesUpTheMinuteIsListedWithTheOccurrenceOnlyOnceAModeratorApprovesIt()
    {
        var world = await World.CreateAsync(fixture);
        var occurrence = await world.NewOccurrenceAsync();
        var e = await world.NewEventAsync(EventState.Approved, world.Person(Who.Organizer), occurrenceId: occurrence.Id);
        using var organizer = await world.ClientAsync(Who.Organizer);
        using var moderator = await world.ClientAsync(Who.Moderator);
        using var anyone = await world.ClientAsync(Who.Anonymous);

        using var changed = await organizer.PutAsJsonAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative), new
        {
            e.Title, e.OrganizerName, start = e.LocalStart.ToString("s", CultureInfo.InvariantCulture), end = e.LocalEnd.ToString("s", CultureInfo.InvariantCulture),
            e.TimeZone, e.Address, e.City, e.Country, e.Capacity, e.Contact, e.Description, e.Languages, occurrenceId = occurrence.Id, holdsSilence = true,
        });
        Assert.True(changed.IsSuccessStatusCode, $"{(int)changed.StatusCode} {await changed.Content.ReadAsStringAsync()}");
        var held = (await changed.Content.ReadFromJsonAsync<EventView>(Json))!; // a successful change answers with the event
        var before = await anyone.GetFromJsonAsync<OccurrenceView>(new Uri($"/api/occurrences/{occurrence.Id}", UriKind.Relative), Json);
        using var approved = await moderator.PostAsync(new Uri($"/api/events/{e.Id}/approve", UriKind.Relative), null);
        var after = await anyone.GetFromJsonAsync<OccurrenceView>(new Uri($"/api/occurrences/{occurrence.Id}", UriKind.Relative), Json);

        Assert.Equal((EventState.Submitted, true, true), (held.State, held.HoldsSilence, held.Published));
        Assert.DoesNotContain(before!.CommunityEvents, x => x.EventId == e.Id);
        Assert.True(approved.IsSuccessStatusCode, $"{(int)approved.StatusCode}");
        Assert.Equal([e.Id], after!.CommunityEvents.Select(x => x.EventId));
    }
}
