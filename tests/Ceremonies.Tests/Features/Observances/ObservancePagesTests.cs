using System.Globalization;
using System.Net;
using Ceremonies.Data;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ceremonies.Tests.Features.Observances;

// The observance and occurrence pages are public; the board is for admins and the managers of the
// venues taking part. Venue managers make their venue take part, and acknowledge its readiness, here.
[Collection(AppTests.Name)]
public sealed class ObservancePagesTests(AppFixture fixture, BrowserFixture browser)
{
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");

    [Fact]
    public async Task AnAnonymousVisitorFindsTheObservanceItsRuleInWordsAndItsOccurrence()
    {
        var world = await World.CreateAsync(fixture);
        var occurrence = await world.NewOccurrenceAsync(hostedByMemorial: true);
        var observance = await ObservanceOfAsync(occurrence);
        var page = await browser.NewPageAsync(fixture.App.Address);

        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Observances" }).ClickAsync();
        Assert.Equal("Observances", await page.Locator("h1").InnerTextAsync());
        var row = page.GetByTestId("observances").Locator("tr", new() { HasText = observance.Name });
        Assert.Contains("17:00 Asia/Baku", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("one instant worldwide", await row.InnerTextAsync(), StringComparison.Ordinal);

        await row.GetByRole(AriaRole.Link, new() { Name = observance.Name }).ClickAsync();
        var day = new DateOnly(2028, observance.Month, observance.Day).ToString("d MMMM", English);
        Assert.Contains($"Every year on {day}, a silence of 60 seconds begins at 17:00 Asia/Baku.", await page.GetByTestId("rule").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByRole(AriaRole.Button).Filter(new() { HasText = "Create the occurrence" }).CountAsync());

        await page.GetByTestId("occurrences").GetByRole(AriaRole.Link, new() { Name = occurrence.Year.ToString(CultureInfo.InvariantCulture) }).ClickAsync();
        Assert.Contains("17:00 (Asia/Baku)", await page.GetByTestId("reference-time").InnerTextAsync(), StringComparison.Ordinal);
        var memorial = page.GetByTestId($"venue-{world.Memorial.Id}");
        Assert.Contains(world.Memorial.Name, await memorial.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal($"/occurrences/{occurrence.Id}/display/{world.Memorial.Id}",
            await memorial.GetByRole(AriaRole.Link, new() { Name = $"Countdown for {world.Memorial.Name}" }).GetAttributeAsync("href"));
        Assert.Equal(0, await page.GetByTestId("board-link").CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Take part in the minute of silence" }).CountAsync());
    }

    // 20:00 in Baku is 16:00 UTC: the next day in Sydney (02:00 or 03:00) all year round.
    [Fact]
    public async Task EachVenuesLocalTimeNamesItsZoneAndSydneysOtherDateIsSaid()
    {
        var world = await World.CreateAsync(fixture);
        var occurrence = await world.NewOccurrenceAsync(hostedByMemorial: true, silenceAt: new TimeOnly(20, 0));
        var sydney = await NewVenueAsync("Sydney", "AU", "Australia/Sydney");
        await JoinAsync(occurrence, sydney);
        var page = await browser.NewPageAsync(fixture.App.Address);

        await page.GotoAsync($"/occurrences/{occurrence.Id}");

        var rows = page.GetByTestId("venues").Locator("tbody tr");
        Assert.Equal(2, await rows.CountAsync());
        var sydneyRow = page.GetByTestId($"venue-{sydney.Id}");
        var nextDay = occurrence.LocalDate.AddDays(1);
        var text = await sydneyRow.InnerTextAsync();
        Assert.Contains($"{nextDay.ToString("d MMMM yyyy", English)}, ", text, StringComparison.Ordinal);
        Assert.Contains("(Australia/Sydney)", text, StringComparison.Ordinal);
        Assert.Contains($"{occurrence.SilenceAt.UtcDateTime:yyyy-MM-dd} 16:00:00 UTC", text, StringComparison.Ordinal);
        Assert.Contains($"Held on {nextDay.ToString("d MMMM", English)} in Australia/Sydney", await sydneyRow.GetByTestId("other-day").InnerTextAsync(), StringComparison.Ordinal);
        var memorialRow = page.GetByTestId($"venue-{world.Memorial.Id}");
        Assert.Contains($"{occurrence.LocalDate.ToString("d MMMM yyyy", English)}, 20:00 (Asia/Baku)", await memorialRow.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await memorialRow.GetByTestId("other-day").CountAsync());
    }

    [Fact]
    public async Task AManagerMakesTheirVenueTakePartThroughTheFormAndItIsAuditedAndPlanned()
    {
        var world = await World.CreateAsync(fixture);
        var occurrence = await world.NewOccurrenceAsync();
        var others = await browser.SignInAsync(fixture.App.Address, world.Person(Who.StaffOfAnotherVenue).Email!, World.Password);
        await others.GotoAsync($"/occurrences/{occurrence.Id}");
        Assert.Equal(0, await others.GetByRole(AriaRole.Button, new() { Name = "Take part in the minute of silence" }).CountAsync());
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Manager).Email!, World.Password);
        await page.GotoAsync($"/occurrences/{occurrence.Id}");

        await page.GetByLabel("Your venue").SelectOptionAsync(world.Memorial.Id.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Take part in the minute of silence" }).ClickAsync();

        Assert.Contains($"{world.Memorial.Name} takes part.", await page.GetByTestId("occurrence-message").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(world.Memorial.Name, await page.GetByTestId("venues").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Take part in the minute of silence" }).CountAsync());
        Assert.Equal(1, await page.GetByTestId("board-link").CountAsync());
        var (audited, signals) = await fixture.App.InScopeAsync<CeremoniesDb, (int, int)>(async db => (
            await db.Set<Ceremonies.Data.Audit.AuditEntry>().CountAsync(a => a.Action == "occurrence.joined" && a.EntityId == occurrence.Id.ToString()
                && a.ActorId == world.Person(Who.Manager).Id),
            await db.SignalDeliveries.CountAsync(d => d.OccurrenceId == occurrence.Id && d.VenueId == world.Memorial.Id)));
        Assert.Equal(1, audited);
        Assert.Equal(4, signals);
    }

    [Fact]
    public async Task TheBoardIsForAdminsAndTheManagersOfTheVenuesTakingPart()
    {
        var world = await World.CreateAsync(fixture);
        var occurrence = await world.NewOccurrenceAsync(hostedByMemorial: true);
        var path = new Uri($"/occurrences/{occurrence.Id}/board", UriKind.Relative);
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var anonymous = new HttpClient(handler) { BaseAddress = fixture.App.Address };
        anonymous.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        using var visit = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, visit.StatusCode);
        Assert.StartsWith("/account/sign-in", visit.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        foreach (var (who, expected) in new[]
        {
            (Who.Organizer, HttpStatusCode.Forbidden), (Who.StaffOfAnotherVenue, HttpStatusCode.Forbidden), (Who.Staff, HttpStatusCode.Forbidden),
            (Who.Moderator, HttpStatusCode.Forbidden), (Who.Manager, HttpStatusCode.OK), (Who.Admin, HttpStatusCode.OK),
        })
        {
            using var client = await world.ClientAsync(who);
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == expected, $"{who}: {(int)response.StatusCode}");
            Assert.Equal(expected == HttpStatusCode.OK, (await response.Content.ReadAsStringAsync()).Contains(world.Memorial.Name, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task TheBoardShowsEachSignalWithTheLastErrorAndTheManagerAcknowledgesReadiness()
    {
        var world = await World.CreateAsync(fixture);
        var occurrence = await world.NewOccurrenceAsync(hostedByMemorial: true);
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.SignalDeliveries
            .Where(d => d.OccurrenceId == occurrence.Id && d.VenueId == world.Memorial.Id && d.Signal == Signal.Notice)
            .ExecuteUpdateAsync(d => d.SetProperty(x => x.State, DeliveryState.Failed).SetProperty(x => x.Attempts, 3)
                .SetProperty(x => x.LastStatus, 503).SetProperty(x => x.LastError, "The PA system answered 503")));
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Manager).Email!, World.Password);

        await page.GotoAsync($"/occurrences/{occurrence.Id}/board");

        var row = page.GetByTestId($"board-{world.Memorial.Id}");
        Assert.Contains("Asia/Baku", await row.InnerTextAsync(), StringComparison.Ordinal);
        var notice = await row.GetByTestId("signal-notice").InnerTextAsync();
        Assert.Contains("failed", notice, StringComparison.Ordinal);
        Assert.Contains("3 attempts", notice, StringComparison.Ordinal);
        Assert.Contains("HTTP 503: The PA system answered 503", notice, StringComparison.Ordinal);
        foreach (var signal in new[] { "prepare", "begin", "end" })
        {
            Assert.Contains("0 attempts", await row.GetByTestId($"signal-{signal}").InnerTextAsync(), StringComparison.Ordinal);
        }
        Assert.Contains("not acknowledged", await row.GetByTestId("readiness").InnerTextAsync(), StringComparison.Ordinal);

        await row.GetByRole(AriaRole.Button, new() { Name = $"Acknowledge readiness of {world.Memorial.Name}" }).ClickAsync();

        Assert.Equal("Readiness acknowledged.", await page.GetByTestId("board-message").InnerTextAsync());
        var readiness = await page.GetByTestId($"board-{world.Memorial.Id}").GetByTestId("readiness").InnerTextAsync();
        Assert.StartsWith("ready", readiness, StringComparison.Ordinal);
        Assert.DoesNotContain("not acknowledged", readiness, StringComparison.Ordinal);
        var readyBy = await fixture.App.InScopeAsync<CeremoniesDb, string?>(db => db.OccurrenceVenues
            .Where(p => p.OccurrenceId == occurrence.Id && p.VenueId == world.Memorial.Id).Select(p => p.ReadyBy).SingleAsync());
        Assert.Equal(world.Person(Who.Manager).Email, readyBy);
    }

    // Staff may not see the board, so they acknowledge on the occurrence page; another venue's staff
    // are offered no button and refused when they post anyway.
    [Fact]
    public async Task TheVenuesStaffAcknowledgeReadinessOnTheOccurrencePageAndAnotherVenuesStaffCannot()
    {
        var world = await World.CreateAsync(fixture);
        var occurrence = await world.NewOccurrenceAsync(hostedByMemorial: true);
        var others = await browser.SignInAsync(fixture.App.Address, world.Person(Who.StaffOfAnotherVenue).Email!, World.Password);
        await others.GotoAsync($"/occurrences/{occurrence.Id}");
        Assert.Equal(0, await others.GetByRole(AriaRole.Button, new() { Name = $"Acknowledge readiness of {world.Memorial.Name}" }).CountAsync());
        // A post made by hand, with the person's own valid antiforgery token (from the hall's request form).
        await others.GotoAsync($"/halls/{world.AssemblyHall.Id}/calendar");
        var token = await others.Locator("input[name='__RequestVerificationToken']").First.InputValueAsync();
        var forged = await others.APIRequest.PostAsync($"/occurrences/{occurrence.Id}?handler=Ready", new()
        {
            Form = others.APIRequest.CreateFormData().Set("venueId", world.Memorial.Id.ToString()).Set("__RequestVerificationToken", token),
            MaxRedirects = 0,
        });
        Assert.Equal(403, forged.Status);
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Staff).Email!, World.Password);
        await page.GotoAsync($"/occurrences/{occurrence.Id}");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Acknowledge readiness of {world.Memorial.Name}" }).ClickAsync();

        Assert.Equal("Readiness acknowledged.", await page.GetByTestId("occurrence-message").InnerTextAsync());
        Assert.StartsWith("ready since", await page.GetByTestId($"venue-{world.Memorial.Id}").GetByTestId("readiness").InnerTextAsync(), StringComparison.Ordinal);
        var readyBy = await fixture.App.InScopeAsync<CeremoniesDb, string?>(db => db.OccurrenceVenues
            .Where(p => p.OccurrenceId == occurrence.Id && p.VenueId == world.Memorial.Id).Select(p => p.ReadyBy).SingleAsync());
        Assert.Equal(world.Person(Who.Staff).Email, readyBy);
    }

    [Fact]
    public async Task AnAdminCreatesNextYearsOccurrenceFromTheObservancePage()
    {
        var world = await World.CreateAsync(fixture);
        var observance = await world.NewObservanceAsync(hostedByMemorial: true);
        var next = DateTimeOffset.UtcNow.Year + 1;
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Admin).Email!, World.Password);
        await page.GotoAsync($"/observances/{observance.Id}");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Create the occurrence of {next}" }).ClickAsync();

        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("occurrence-message")).ToHaveTextAsync($"The occurrence of {next} is planned.");
        Assert.Contains(world.Memorial.Name, await page.GetByTestId("venues").InnerTextAsync(), StringComparison.Ordinal);
        await page.GotoAsync($"/observances/{observance.Id}");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = $"Create the occurrence of {next}" }).CountAsync());
        var audited = await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Set<Ceremonies.Data.Audit.AuditEntry>()
            .CountAsync(a => a.Action == "occurrence.created" && a.ActorId == world.Person(Who.Admin).Id));
        Assert.Equal(1, audited);
    }

    private Task<Observance> ObservanceOfAsync(Occurrence occurrence) =>
        fixture.App.InScopeAsync<CeremoniesDb, Observance>(db => db.Observances.SingleAsync(o => o.Id == occurrence.ObservanceId));

    private async Task<Venue> NewVenueAsync(string city, string country, string zone)
    {
        var now = DateTimeOffset.UtcNow;
        var venue = new Venue
        {
            Id = Guid.CreateVersion7(), Name = $"Community hall {city} {Guid.NewGuid():N}"[..32], City = city, Country = country, TimeZone = zone,
            CreatedAt = now, UpdatedAt = now,
        };
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Venues.Add(venue);
            return db.SaveChangesAsync();
        });
        return venue;
    }

    private async Task JoinAsync(Occurrence occurrence, Venue venue)
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CeremoniesDb>();
        var observance = await db.Observances.SingleAsync(o => o.Id == occurrence.ObservanceId);
        Assert.Equal(JoinOutcome.Joined, await scope.ServiceProvider.GetRequiredService<OccurrencePlanning>().JoinAsync(observance, occurrence, venue, CancellationToken.None));
    }
}
