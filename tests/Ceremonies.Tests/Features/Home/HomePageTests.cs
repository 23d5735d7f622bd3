using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Ceremonies.Tests.Features.Home;

// The home page is for people; the operators' facts (build, processes, job servers, outbox) are on
// /admin and the job dashboard on /jobs, for admins only.
[Collection(AppTests.Name)]
public sealed partial class HomePageTests(AppFixture fixture, BrowserFixture browser)
{
    [Fact]
    public async Task TheHomePageSaysWhatTheServiceIsAndLeadsToTheVenuesWithoutOperatorDetails()
    {
        var page = await browser.NewPageAsync(fixture.App.Address);

        var response = await page.GotoAsync("/");

        Assert.Equal(200, response?.Status);
        Assert.Equal("Ceremonies", await page.Locator("h1").InnerTextAsync());
        Assert.True(await page.GetByRole(AriaRole.Link, new() { Name = "Venues and their halls" }).IsVisibleAsync());
        Assert.True(await page.GetByRole(AriaRole.Link, new() { Name = "Observances and their minute of silence" }).IsVisibleAsync());
        var text = await page.Locator("main").InnerTextAsync();
        var version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        Assert.DoesNotContain(version!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Outbox", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await page.GetByTestId("admin-link").CountAsync());
    }

    [Fact]
    public async Task AnAdminSeesTheServiceStateAndOpensTheJobDashboard()
    {
        var world = await World.CreateAsync(fixture);
        var page = await browser.SignInAsync(fixture.App.Address, world.Person(Who.Admin).Email!, World.Password);
        var blocked = new List<string>();
        page.Console += (_, message) =>
        {
            // The site's policy blocks the board's few inline style attributes (colours); a blocked
            // script would mean the board does not work under it.
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) && message.Text.Contains("script", StringComparison.OrdinalIgnoreCase))
            {
                blocked.Add(message.Text);
            }
        };

        await page.GetByTestId("admin-link").ClickAsync();
        var version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        Assert.Equal(version, await page.GetByTestId("version").InnerTextAsync());
        Assert.Matches(Number(), await page.GetByTestId("live-servers").InnerTextAsync());
        Assert.Matches(Number(), await page.GetByTestId("outbox-due").InnerTextAsync());

        var board = await page.GotoAsync("/jobs");
        Assert.Equal(200, board?.Status);
        Assert.Contains("Ceremonies · jobs", await page.TitleAsync(), StringComparison.Ordinal);
        await page.GotoAsync("/jobs/recurring");
        Assert.Contains("outbox-dispatch", await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(blocked.Count == 0, string.Join(Environment.NewLine, blocked));
    }

    // The board is the admins' alone: anyone else is sent to sign in or refused, never shown it.
    [Theory]
    [InlineData("/jobs")]
    [InlineData("/jobs/recurring")]
    [InlineData("/admin")]
    public async Task OnlyAdminsGetTheJobDashboardAndTheServiceState(string path)
    {
        var world = await World.CreateAsync(fixture);
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var anonymous = new HttpClient(handler) { BaseAddress = fixture.App.Address };
        anonymous.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        using var visit = await anonymous.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, visit.StatusCode);
        Assert.StartsWith("/account/sign-in", visit.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        foreach (var who in new[] { Who.Organizer, Who.Staff, Who.Manager, Who.Moderator, Who.Admin })
        {
            using var client = await world.ClientAsync(who);
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            var expected = who == Who.Admin ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
            Assert.True(response.StatusCode == expected, $"{who}: {(int)response.StatusCode}");
            if (who != Who.Admin)
            {
                Assert.DoesNotContain("outbox-dispatch", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
    }

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex Number();
}
