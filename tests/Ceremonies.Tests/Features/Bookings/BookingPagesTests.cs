using System.Globalization;
using Microsoft.Playwright;

namespace Ceremonies.Tests.Features.Bookings;

[Collection(AppTests.Name)]
public sealed class BookingPagesTests(AppFixture fixture, BrowserFixture browser)
{
    [Fact]
    public async Task StaffBookAFreeSlotFromTheCalendarAndASecondBookingOfItIsRefusedWithTheNextFreeTime()
    {
        var world = await World.CreateAsync(fixture);
        var day = world.FreeDay();
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Staff).Email!, World.Password);
        await page.GotoAsync($"/halls/{world.AssemblyHall.Id}/calendar?week={Iso(day)}");
        Assert.Equal("Asia/Baku", await page.GetByTestId("calendar-zone").InnerTextAsync());

        await FillAsync(page, day, "10:00", "11:00", "Wreath laying");
        await page.GetByRole(AriaRole.Button, new() { Name = "Book", Exact = true }).ClickAsync();

        Assert.Contains("Booked: Wreath laying", await page.GetByTestId("calendar-message").InnerTextAsync(), StringComparison.Ordinal);
        var week = await page.GetByTestId("week").InnerTextAsync();
        Assert.Contains("10:00–11:00", week, StringComparison.Ordinal);
        Assert.Contains("Wreath laying (confirmed)", week, StringComparison.Ordinal);

        await FillAsync(page, day, "10:00", "11:00", "Second ceremony");
        await page.GetByRole(AriaRole.Button, new() { Name = "Book", Exact = true }).ClickAsync();

        var refusal = await page.GetByTestId("booking-refusal").InnerTextAsync();
        Assert.Contains("booked for \u201cWreath laying\u201d", refusal, StringComparison.Ordinal);
        // One hour, with 30 minutes of teardown after 11:00 and 30 of setup: 12:00 is the next fit.
        Assert.Contains("12:00–13:00 (Asia/Baku)", await page.GetByTestId("booking-suggestion").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("Second ceremony", await page.GetByLabel("Title").InputValueAsync());

        await page.GetByRole(AriaRole.Link, new() { Name = "Use this time" }).ClickAsync();
        Assert.Equal("12:00", await page.GetByLabel("Start (Asia/Baku)").InputValueAsync());
        await page.GetByLabel("Title").FillAsync("Second ceremony");
        await page.GetByLabel("Contact email").FillAsync("contact@example.test");
        await page.GetByRole(AriaRole.Button, new() { Name = "Book", Exact = true }).ClickAsync();
        Assert.Contains("Booked: Second ceremony", await page.GetByTestId("calendar-message").InnerTextAsync(), StringComparison.Ordinal);
    }

    // A visitor who is not signed in is sent to sign in, and back to the page they asked for.
    [Theory]
    [InlineData("/bookings/mine", "My bookings and requests")]
    [InlineData("/bookings/requests", "Requests to decide")]
    public async Task AnAnonymousVisitorIsSentToSignInAndBack(string path, string heading)
    {
        var world = await World.CreateAsync(fixture);
        var page = await browser.NewPageAsync(fixture.App.Address);

        var first = await page.GotoAsync(path);

        Assert.Equal(200, first?.Status);
        Assert.Contains("/account/sign-in", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("Email").FillAsync(world.Person(Who.Staff).Email!);
        await page.GetByLabel("Password").FillAsync(World.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(path) + "$"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(heading);
    }

    [Fact]
    public async Task AKindTheFormDoesNotOfferIsRefusedOnTheFormAndBooksNothing()
    {
        var world = await World.CreateAsync(fixture);
        var day = world.FreeDay();
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Staff).Email!, World.Password);
        await page.GotoAsync($"/halls/{world.AssemblyHall.Id}/calendar?week={Iso(day)}");
        await FillAsync(page, day, "10:00", "11:00", "Tampered kind");
        // What a hand-made post could send: a number that names no kind.
        await page.Locator("select[name='Input.Kind']").EvaluateAsync("s => { s.add(new Option('other', '9')); s.value = '9'; }");

        await page.GetByRole(AriaRole.Button, new() { Name = "Book", Exact = true }).ClickAsync();

        Assert.Contains("is invalid", await page.Locator("[data-valmsg-for='Input.Kind']").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Tampered kind", await page.GetByTestId("week").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOrganizerRequestsAHallAndStaffConfirmItFromTheirQueue()
    {
        var world = await World.CreateAsync(fixture);
        var day = world.FreeDay();
        var organizer = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Organizer).Email!, World.Password);
        await organizer.GotoAsync($"/halls/{world.AssemblyHall.Id}/calendar?week={Iso(day)}");
        await FillAsync(organizer, day, "15:00", "17:00", "Community evening of remembrance");
        await organizer.GetByRole(AriaRole.Button, new() { Name = "Send the request" }).ClickAsync();
        Assert.Contains("Requested: Community evening of remembrance", await organizer.GetByTestId("calendar-message").InnerTextAsync(), StringComparison.Ordinal);

        var staff = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Staff).Email!, World.Password);
        await staff.GotoAsync("/bookings/requests");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Confirm Community evening of remembrance" }).ClickAsync();
        Assert.Contains("is confirmed", await staff.GetByRole(AriaRole.Status).InnerTextAsync(), StringComparison.Ordinal);

        await organizer.GotoAsync("/bookings/mine");
        Assert.Contains("confirmed", await organizer.GetByTestId("mine").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaffCloseTheHallForADayAndGetACalendarAddressFromTheCalendarPage()
    {
        var world = await World.CreateAsync(fixture);
        var booked = await world.NewRequestAsync();
        var day = world.FreeDay();
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Staff).Email!, World.Password);
        await page.GotoAsync($"/halls/{world.AssemblyHall.Id}/calendar?week={Iso(day)}");

        await page.GetByLabel("First day closed").FillAsync(Iso(day));
        await page.GetByLabel("Last day closed").FillAsync(Iso(day));
        await page.GetByLabel("Reason").FillAsync("Kept for the official ceremony");
        await page.GetByRole(AriaRole.Button, new() { Name = "Close the hall" }).ClickAsync();
        Assert.Contains("is closed from", await page.GetByTestId("calendar-message").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("closed: Kept for the official ceremony", await page.GetByTestId("week").InnerTextAsync(), StringComparison.Ordinal);

        var bookedDay = DateOnly.FromDateTime(booked.LocalStart).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await page.GetByLabel("First day closed").FillAsync(bookedDay);
        await page.GetByLabel("Last day closed").FillAsync(bookedDay);
        await page.GetByLabel("Reason").FillAsync("Maintenance");
        await page.GetByRole(AriaRole.Button, new() { Name = "Close the hall" }).ClickAsync();
        Assert.Contains(booked.Title, await page.GetByTestId("close-refusal").InnerTextAsync(), StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "Create a calendar address" }).ClickAsync();
        var url = await page.GetByTestId("feed-url").InnerTextAsync();
        using var anonymous = new HttpClient();
        // The address starts with the site's public address; the test app listens elsewhere.
        using var feed = await anonymous.GetAsync(new Uri(fixture.App.Address, new Uri(url).PathAndQuery));
        Assert.Equal("text/calendar", feed.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Closed: Kept for the official ceremony", await feed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task FillAsync(IPage page, DateTime day, string start, string end, string title)
    {
        await page.GetByLabel("Date").FillAsync(Iso(day));
        await page.GetByLabel("Start (Asia/Baku)").FillAsync(start);
        await page.GetByLabel("End (Asia/Baku)").FillAsync(end);
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Expected attendees (at most 300)").FillAsync("50");
        await page.GetByLabel("Contact email").FillAsync("contact@example.test");
    }

    private static string Iso(DateTime day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
