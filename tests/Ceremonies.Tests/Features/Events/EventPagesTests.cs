using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Features.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ceremonies.Tests.Features.Events;

// The events pages in a real browser: submitting, reviewing, finding an event, and an organizer's
// text that must never run as script.
[Collection(AppTests.Name)]
public sealed class EventPagesTests(AppFixture fixture, BrowserFixture browser)
{
    [Fact]
    public async Task AnOrganizerSubmitsAnEventAModeratorApprovesItAndThePublicSeesItInTheEventsOwnZone()
    {
        var world = await World.CreateAsync(fixture);
        var title = $"Vigil {Guid.NewGuid():N}";
        var day = DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(60), DateTimeKind.Unspecified);
        var organizer = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Organizer).Email!, World.Password);

        await organizer.GotoAsync("/events/new");
        await Field(organizer, "Title").FillAsync(title);
        await Field(organizer, "Organized by (your community or association, shown publicly)").FillAsync("Azerbaijani community of New York");
        await Field(organizer, "Time zone of the event").FillAsync("America/New_York");
        await Field(organizer, "Start (local time in the event's zone)").FillAsync($"{Iso(day)}T18:00");
        await Field(organizer, "End (local time in the event's zone)").FillAsync($"{Iso(day)}T20:00");
        await Field(organizer, "Address").FillAsync("1 Liberty Plaza");
        await Field(organizer, "City").FillAsync("New York");
        await Field(organizer, "Country (two-letter code, such as FR)").FillAsync("US");
        await Field(organizer, "Seats").FillAsync("120");
        await Field(organizer, "Contact for the public (email or telephone)").FillAsync("vigil@example.test");
        await Field(organizer, "Languages spoken (codes such as az, en, fr)").FillAsync("az, en");
        await Field(organizer, "Description").FillAsync("Readings, music and a **minute of silence**.");
        await Expect(organizer.GetByTestId("preview-live")).ToContainTextAsync($"{Words(day)}, 18:00 (America/New_York)");
        await organizer.GetByRole(AriaRole.Button, new() { Name = "Submit for review" }).ClickAsync();

        await Expect(organizer.GetByTestId("event-state-word")).ToHaveTextAsync("submitted, waiting for a moderator");
        var id = Guid.Parse(new Uri(organizer.Url).Segments[^1]);

        var moderator = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Moderator).Email!, World.Password);
        await moderator.GotoAsync("/events/queue");
        await moderator.GetByRole(AriaRole.Button, new() { Name = $"Approve {title}", Exact = true }).ClickAsync();
        await Expect(moderator.GetByTestId("queue-message")).ToContainTextAsync($"\u201c{title}\u201d is approved");
        await Expect(moderator.GetByTestId($"queue-{id}")).ToHaveCountAsync(0);

        var visitor = await browser.NewPageAsync(fixture.App.Address, timeZone: "Asia/Baku");
        await visitor.GotoAsync($"/events?q={Uri.EscapeDataString(title)}");
        var item = visitor.GetByTestId($"event-{id}");
        await Expect(item.GetByTestId("event-link")).ToHaveTextAsync(title);
        await Expect(item.GetByTestId("event-local-time")).ToHaveTextAsync($"{Words(day)}, 18:00–20:00 (America/New_York)");
        await Expect(item.GetByTestId("event-viewer-time")).ToHaveTextAsync(InZone(day.AddHours(18), "America/New_York", "Asia/Baku"));
        await Expect(item.GetByTestId("event-organizer")).ToHaveTextAsync("Azerbaijani community of New York");
        await Expect(item.GetByTestId("event-place")).ToHaveTextAsync("New York, US");

        await organizer.GotoAsync("/events/mine");
        await Expect(organizer.GetByTestId($"my-event-{id}").GetByTestId("my-event-state")).ToHaveTextAsync("approved, listed publicly");
    }

    [Fact]
    public async Task NoScriptInAnOrganizersDescriptionRunsOnTheEventPage()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        const string hostile = """
            <script>window.__xss=1</script>

            [click](javascript:window.__xss=2)

            <img src=x onerror="window.__xss=3">

            <a href="#" onclick="window.__xss=4">x</a>

            <p onmouseover="window.__xss=5">Hover here</p>
            """;
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
            db.Events.Where(x => x.Id == e.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Description, hostile)));
        var page = await browser.NewPageAsync(fixture.App.Address);
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };

        await page.GotoAsync($"/events/{e.Id}");
        var description = page.GetByTestId("event-description");
        await Expect(description).ToContainTextAsync("Hover here");
        foreach (var element in await description.Locator("p, a").AllAsync())
        {
            await element.HoverAsync();
        }
        foreach (var link in await description.Locator("a").AllAsync())
        {
            await link.ClickAsync();
        }

        Assert.EndsWith($"/events/{e.Id}", page.Url, StringComparison.Ordinal);
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
        Assert.Empty(dialogs);
        var scripts = await page.EvaluateAsync<string[]>("() => [...document.scripts].map(s => s.type === 'application/ld+json' ? 'json-ld' : s.src)");
        Assert.Single(scripts, s => s == "json-ld");
        var origin = fixture.App.Address.GetLeftPart(UriPartial.Authority) + "/";
        Assert.All(scripts.Where(s => s != "json-ld"), src => Assert.StartsWith(origin, src, StringComparison.Ordinal));
        var dangerous = await description.EvaluateAsync<string[]>("""
            root => [...root.querySelectorAll('*')].flatMap(element => [...element.attributes]
                .filter(a => a.name.toLowerCase().startsWith('on') || (a.name.toLowerCase() === 'href' && a.value.trim().toLowerCase().startsWith('javascript:')))
                .map(a => `${element.tagName} ${a.name}=${a.value}`))
            """);
        Assert.Empty(dangerous);
    }

    [Fact]
    public async Task AnAttendeeConfirmsFromTheMailedLinkAndGivesThePlaceUpWithButtonsNotByOpeningIt()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, capacity: 5);
        var (registration, token) = await world.NewRegistrationAsync(e, RegistrationState.Pending);
        var page = await browser.NewPageAsync(fixture.App.Address);

        await page.GotoAsync($"/events/registration?token={Uri.EscapeDataString(token)}");
        await Expect(page.GetByTestId("registration-state")).ToHaveTextAsync("waiting for you to confirm your address");
        Assert.Equal(RegistrationState.Pending, await StateAsync(registration.Id));

        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm my registration" }).ClickAsync();
        await Expect(page.GetByTestId("registration-message")).ToContainTextAsync("You have a seat");
        await Expect(page.GetByTestId("registration-state")).ToHaveTextAsync("you have a seat");

        await page.GetByRole(AriaRole.Button, new() { Name = "Give up my place" }).ClickAsync();
        await Expect(page.GetByTestId("registration-state")).ToHaveTextAsync("you gave up your place");
        Assert.Equal(RegistrationState.Cancelled, await StateAsync(registration.Id));
    }

    [Fact]
    public async Task ARefusedEventFormKeepsWhatWasTypedAndSaysWhatToChangeNextToTheField()
    {
        var world = await World.CreateAsync(fixture);
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Organizer).Email!, World.Password);
        await page.GotoAsync("/events/new");
        var title = $"Evening {Guid.NewGuid():N}";
        await Field(page, "Title").FillAsync(title);
        await Field(page, "Organized by (your community or association, shown publicly)").FillAsync("Community association");
        // Not a zone an IANA id names: the server refuses it (the browser lets any text through).
        await Field(page, "Time zone of the event").FillAsync("Mars/Olympus");
        await Field(page, "Start (local time in the event's zone)").FillAsync($"{Iso(DateTime.UtcNow.Date.AddDays(30))}T18:00");
        await Field(page, "End (local time in the event's zone)").FillAsync($"{Iso(DateTime.UtcNow.Date.AddDays(30))}T20:00");
        await Field(page, "Address").FillAsync("1 rue de la Paix");
        await Field(page, "City").FillAsync("Paris");
        await Field(page, "Country (two-letter code, such as FR)").FillAsync("FR");
        await Field(page, "Contact for the public (email or telephone)").FillAsync("contact@example.test");

        await page.GetByRole(AriaRole.Button, new() { Name = "Submit for review" }).ClickAsync();

        await Expect(page.Locator("[data-valmsg-for='Input.TimeZone']")).ToContainTextAsync("IANA time zone");
        await Expect(Field(page, "Title")).ToHaveValueAsync(title);
        await Expect(Field(page, "Time zone of the event")).ToHaveValueAsync("Mars/Olympus");
        Assert.False(await fixture.App.InScopeAsync<CeremoniesDb, bool>(db => db.Events.AnyAsync(x => x.Title == title)));
    }

    [Fact]
    public async Task AnOrganizersEditIsSavedButAnEditOfAVersionChangedMeanwhileIsRefusedAsStale()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, organizer: world.Person(Who.Organizer));
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Organizer).Email!, World.Password);

        await page.GotoAsync($"/events/{e.Id}/edit");
        await Field(page, "Seats").FillAsync("150");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the changes" }).ClickAsync();
        await Expect(page.GetByTestId("event-message")).ToHaveTextAsync("Your changes are saved.");
        await Expect(page.GetByTestId("event-seats")).ToHaveTextAsync("150 left of 150");

        await page.GotoAsync($"/events/{e.Id}/edit");
        // Someone else's change lands between reading the form and sending it.
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
            db.Events.Where(x => x.Id == e.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Contact, "other@example.test")));
        await Field(page, "Seats").FillAsync("200");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the changes" }).ClickAsync();

        await Expect(page.GetByTestId("form-refusal")).ToContainTextAsync("Someone changed this event since you opened this form");
        await Expect(Field(page, "Seats")).ToHaveValueAsync("200");
        Assert.Equal(150, await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Events.Where(x => x.Id == e.Id).Select(x => x.Capacity).SingleAsync()));
    }

    private static ILocator Field(IPage page, string label) => page.GetByLabel(label, new() { Exact = true });

    private Task<RegistrationState> StateAsync(Guid registrationId) => fixture.App.InScopeAsync<CeremoniesDb, RegistrationState>(db =>
        db.EventRegistrations.Where(r => r.Id == registrationId).Select(r => r.State).SingleAsync());

    private static string Iso(DateTime day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Words(DateTime day) => day.ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture);

    // A two-hour event starting at this local time in one zone, as a reader in another sees it.
    private static string InZone(DateTime local, string eventZone, string readerZone)
    {
        var instant = TimeZoneInfo.ConvertTimeToUtc(local, TimeZoneInfo.FindSystemTimeZoneById(eventZone));
        var reader = TimeZoneInfo.FindSystemTimeZoneById(readerZone);
        var start = TimeZoneInfo.ConvertTimeFromUtc(instant, reader);
        var end = TimeZoneInfo.ConvertTimeFromUtc(instant.AddHours(2), reader);
        return EventTexts.Span(start, end, readerZone);
    }
}
