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
        // Only a signed-in page shows who is signed in: this waits for the redirect's page itself.
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync(email);
        return page;
    }

    // The tests never wait with WaitForURLAsync: when the navigation had already happened, it then
    // waits for a load state, and in CI that wait hung for its whole 90 s on pages long loaded (with
    // "load" and with "commit"). They wait for what they read, or poll the URL with Expect.
    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
