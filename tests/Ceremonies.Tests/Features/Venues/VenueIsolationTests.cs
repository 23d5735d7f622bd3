using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;

namespace Ceremonies.Tests.Features.Venues;

// Staff of the Paris venue have no say in the memorial: the memorial and its halls are public, so
// its staff list and its halls' edits are refused with 403, through the API and the pages.
[Collection(AppTests.Name)]
public sealed class VenueIsolationTests(AppFixture fixture, BrowserFixture browser)
{
    [Fact]
    public async Task StaffOfAnotherVenueCannotReadOrChangeTheMemorialsStaffOrHallsThroughTheApi()
    {
        var world = await World.CreateAsync(fixture);
        using var paris = await world.ClientAsync(Who.StaffOfAnotherVenue);
        var memorial = world.Memorial.Id;
        var hall = world.AssemblyHall.Id;

        using var staffList = await paris.GetAsync(new Uri($"/api/venues/{memorial}/staff", UriKind.Relative));
        using var addStaff = await paris.PostAsJsonAsync(new Uri($"/api/venues/{memorial}/staff", UriKind.Relative), new { email = world.Person(Who.StaffOfAnotherVenue).Email, role = "manager" });
        using var removeStaff = await paris.DeleteAsync(new Uri($"/api/venues/{memorial}/staff/{world.Person(Who.Manager).Id}", UriKind.Relative));
        using var readHall = await paris.GetAsync(new Uri($"/api/halls/{hall}", UriKind.Relative));
        using var editHall = await paris.PutAsJsonAsync(new Uri($"/api/halls/{hall}", UriKind.Relative), new
        {
            name = "Taken over", capacity = 1, setupMinutes = 0, teardownMinutes = 0,
            openingHours = new[] { new { day = "monday", opens = "09:00:00", closes = "10:00:00" } },
        });
        using var ownStaff = await paris.GetAsync(new Uri($"/api/venues/{world.Paris.Id}/staff", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, staffList.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, addStaff.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, removeStaff.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readHall.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, editHall.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ownStaff.StatusCode);
    }

    [Fact]
    public async Task StaffOfAnotherVenueMeetForbiddenPagesInTheBrowser()
    {
        var world = await World.CreateAsync(fixture);
        var page = await SignInAsync(world, Who.StaffOfAnotherVenue);

        await page.GotoAsync($"/venues/{world.Memorial.Id}");
        Assert.Equal(world.Memorial.Name, await page.Locator("h1").InnerTextAsync());
        Assert.Equal(0, await page.GetByTestId("staff-link").CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Edit" }).CountAsync());

        var staff = await page.GotoAsync($"/venues/{world.Memorial.Id}/staff");
        Assert.Equal(403, staff?.Status);
        Assert.Equal("You may not do this", await page.Locator("h1").InnerTextAsync());

        var edit = await page.GotoAsync($"/halls/{world.AssemblyHall.Id}/edit");
        Assert.Equal(403, edit?.Status);
        Assert.Equal("You may not do this", await page.Locator("h1").InnerTextAsync());

        var own = await page.GotoAsync($"/venues/{world.Paris.Id}/staff");
        Assert.Equal(200, own?.Status);
        Assert.Contains(world.Person(Who.StaffOfAnotherVenue).Email!, await page.GetByTestId("staff").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheManagerAddsAPersonToTheStaffAndEditsAHallThroughThePages()
    {
        var world = await World.CreateAsync(fixture);
        var newcomer = await world.NewPersonAsync("newcomer");
        var page = await SignInAsync(world, Who.Manager);

        await page.GotoAsync($"/venues/{world.Memorial.Id}/staff");
        await page.GetByLabel("Email").FillAsync(newcomer.Email!);
        await page.GetByLabel("Role").SelectOptionAsync("Staff");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to staff" }).ClickAsync();

        Assert.Contains($"{newcomer.Email} was added as staff.", await page.GetByRole(AriaRole.Status).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(newcomer.Email!, await page.GetByTestId("staff").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.DispatchOutboxAsync();
        var mail = Assert.Single(await fixture.MailDev.WaitForAsync(newcomer.Email!));
        Assert.Equal($"You were added to {world.Memorial.Name} as staff", mail.Subject);

        await page.GotoAsync($"/halls/{world.AssemblyHall.Id}/edit");
        await page.GetByLabel("Capacity (people)").FillAsync("250");
        await page.GetByLabel("Saturday opens").FillAsync("10:00");
        await page.GetByLabel("Saturday closes").FillAsync("14:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the hall" }).ClickAsync();

        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/venues/{world.Memorial.Id}$"));
        }
        catch (PlaywrightException)
        {
            // A refusal keeps the form on screen: say what it said rather than only that time ran out.
            Assert.Fail($"still at {page.Url}: {await page.Locator("main").InnerTextAsync()}");
        }
        var halls = await page.GetByTestId("halls").InnerTextAsync();
        Assert.Contains("250", halls, StringComparison.Ordinal);
        Assert.Contains("Sat 10:00–14:00", halls, StringComparison.Ordinal);
    }

    private Task<IPage> SignInAsync(World world, Who who) =>
        browser.SignInAsync(fixture.App.Address, world.Person(who).Email!, World.Password);
}
