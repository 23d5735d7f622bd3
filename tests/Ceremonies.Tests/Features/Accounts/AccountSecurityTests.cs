using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Ceremonies.Tests.Features.Accounts;

[Collection(AppTests.Name)]
public sealed class AccountSecurityTests(AppFixture fixture)
{
    [Fact]
    public async Task TenWrongPasswordsLockTheAccountAndTheEleventhTryFromOneAddressIsRateLimited()
    {
        // The limits as configured by default, not the relaxed ones the other tests run with.
        await using var app = fixture.StartAnotherApp(new Dictionary<string, string?>
        {
            ["RateLimits:SignInPermits"] = "10",
            ["RateLimits:SignInWindowSeconds"] = "900",
        });
        var world = await World.CreateAsync(fixture);
        var email = world.Person(Who.Organizer).Email;
        using var client = app.CreateClient();

        for (var attempt = 1; attempt <= 10; attempt++)
        {
            using var wrong = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = $"Wrong-password-{attempt}" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using var eleventh = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = World.Password });

        Assert.Equal(HttpStatusCode.TooManyRequests, eleventh.StatusCode);
        Assert.True(int.Parse(eleventh.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("application/problem+json", eleventh.Content.Headers.ContentType?.MediaType);
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser<Guid>>>();
        Assert.True(await users.IsLockedOutAsync((await users.FindByEmailAsync(email!))!));
    }

    [Fact]
    public async Task ALockedAccountCannotSignInEvenWithTheRightPassword()
    {
        var world = await World.CreateAsync(fixture);
        var email = world.Person(Who.Organizer).Email;
        using var client = fixture.App.CreateClient();
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            using var wrong = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = "Not-the-password-1" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var right = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = World.Password });

        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        Assert.Contains("LockedOut", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/venues")]
    [InlineData("/account/sign-in")]
    [InlineData("/api/venues")]
    [InlineData("/api/no-such-thing")]
    [InlineData("/health/live")]
    [InlineData("/css/site.css")]
    public async Task EveryResponseCarriesTheSecurityHeaders(string path)
    {
        using var client = fixture.App.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Theory]
    [InlineData("/account/sign-in")]
    [InlineData("/account/register")]
    [InlineData("/account/forgot-password")]
    public async Task AFormPostedWithoutItsAntiforgeryTokenIsRefused(string path)
    {
        var world = await World.CreateAsync(fixture);
        using var client = fixture.App.CreateClient();
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = world.Person(Who.Organizer).Email!,
            ["Input.Password"] = World.Password,
            ["Email"] = world.Person(Who.Organizer).Email!,
        });

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("ceremonies.auth", StringComparison.Ordinal)));
    }
}
