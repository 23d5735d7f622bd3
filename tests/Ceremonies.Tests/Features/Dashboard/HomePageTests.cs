using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Ceremonies.Tests.Features.Dashboard;

[Collection(AppTests.Name)]
public sealed partial class HomePageTests(AppFixture fixture, BrowserFixture browser)
{
    [Fact]
    public async Task TheHomePageShowsTheVersionTheSchedulerNodesAndTheOutbox()
    {
        var page = await browser.NewPageAsync(fixture.App.Address);

        var response = await page.GotoAsync("/");

        Assert.Equal(200, response?.Status);
        Assert.Equal("Service state · Ceremonies", await page.TitleAsync());
        Assert.Equal("Ceremonies", await page.Locator("h1").InnerTextAsync());
        var version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        Assert.Equal(version, await page.GetByTestId("version").InnerTextAsync());
        Assert.Matches(Number(), await page.GetByTestId("live-nodes").InnerTextAsync());
        Assert.True(await page.GetByRole(AriaRole.Table, new() { Name = "Messages written with the change" }).IsVisibleAsync());
        Assert.Matches(Number(), await page.GetByTestId("outbox-due").InnerTextAsync());
    }

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex Number();
}
