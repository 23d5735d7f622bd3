using Microsoft.Playwright;

namespace Ceremonies.Tests;

// Debian's Chromium driven by Playwright; the browser's own download is never used. Every host
// name but loopback resolves to nothing, so a page cannot reach outside the test.
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        // Expect(...) waits by its own clock (5 s unless told), not the context's: the same limit as
        // every other wait below, for the same busy machine.
        Assertions.SetDefaultExpectTimeout(90_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = TestEnvironment.Chromium,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        });
    }

    // A page in a fresh context; its clock shows times in the given IANA zone (the machine's if none).
    public async Task<IPage> NewPageAsync(Uri baseAddress, string? timeZone = null)
    {
        var context = await (_browser ?? throw new InvalidOperationException("The browser has not started."))
            .NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), TimezoneId = timeZone });
        // Every wait ends as soon as its condition holds; the limit is for a machine so busy (CI beside
        // other work) that a form's post and its redirect once took longer than Playwright's 30 s.
        context.SetDefaultTimeout(90_000);
        context.SetDefaultNavigationTimeout(90_000);
        return await context.NewPageAsync();
    }

    public async Task<IPage> SignInAsync(Uri baseAddress, string email, string password)
    {
        var page = await NewPageAsync(baseAddress);
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/sign-in", StringComparison.Ordinal), Committed);
        Assert.Equal(email, await page.GetByTestId("signed-in-as").InnerTextAsync());
        return page;
    }

    // Waiting for a URL also waits for the new page's load event by default, and on a busy machine
    // that wait once hung for its whole 90 s after the page had loaded (CI, a sign-in's redirect).
    // The tests wait for what they read instead, which Playwright's locators do by themselves.
    public static readonly PageWaitForURLOptions Committed = new() { WaitUntil = WaitUntilState.Commit };

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
