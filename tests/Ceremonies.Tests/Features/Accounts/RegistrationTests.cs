using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Ceremonies.Infrastructure.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ceremonies.Tests.Features.Accounts;

[Collection(AppTests.Name)]
public sealed partial class RegistrationTests(AppFixture fixture)
{
    [Fact]
    public async Task ANewAccountConfirmsItsAddressThroughTheMailedLinkAndThenSignsIn()
    {
        var email = $"organizer-{Guid.NewGuid():N}@example.test";
        using var client = fixture.App.CreateClient();

        using var registered = await client.PostAsJsonAsync(new Uri("/api/account/register", UriKind.Relative), new { email, password = World.Password });
        using var tooEarly = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = World.Password });
        await fixture.DispatchOutboxAsync();
        var mail = Assert.Single(await fixture.MailDev.WaitForAsync(email));
        var link = Link().Match(mail.Text ?? "").Value;
        // The link starts with the site's public address; the test app listens elsewhere.
        using var confirmed = await client.GetAsync(new Uri(new Uri(link).PathAndQuery, UriKind.Relative));
        using var signedIn = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = World.Password });

        Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, tooEarly.StatusCode);
        Assert.Equal("Confirm your email address for Ceremonies", mail.Subject);
        Assert.True(confirmed.IsSuccessStatusCode, $"{link}: {await confirmed.Content.ReadAsStringAsync()}");
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    [Fact]
    public async Task APasswordIsResetWithTheMailedCode()
    {
        var world = await World.CreateAsync(fixture);
        var email = world.Person(Who.Organizer).Email!;
        using var client = fixture.App.CreateClient();

        using var asked = await client.PostAsJsonAsync(new Uri("/api/account/forgotPassword", UriKind.Relative), new { email });
        await fixture.DispatchOutboxAsync();
        var mail = Assert.Single(await fixture.MailDev.WaitForAsync(email));
        var code = Code().Match(mail.Text ?? "").Groups[1].Value;
        using var reset = await client.PostAsJsonAsync(new Uri("/api/account/resetPassword", UriKind.Relative), new { email, resetCode = code, newPassword = "A-new-password-2026" });
        using var oldPassword = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = World.Password });
        using var newPassword = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = "A-new-password-2026" });

        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Equal("Reset your Ceremonies password", mail.Subject);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newPassword.StatusCode);
    }

    // A forged Host header must not put the link, and its code, on someone else's site.
    [Theory]
    [InlineData("/api/account/register")]
    [InlineData("/api/account/forgotPassword")]
    public async Task AMailedLinkStartsWithTheSitesAddressWhateverHostTheRequestNamed(string endpoint)
    {
        var email = endpoint.EndsWith("register", StringComparison.Ordinal)
            ? $"newcomer-{Guid.NewGuid():N}@example.test"
            : (await World.CreateAsync(fixture)).Person(Who.Organizer).Email!;
        using var client = fixture.App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, UriKind.Relative))
        {
            Content = JsonContent.Create(new { email, password = World.Password }),
        };
        request.Headers.Host = "attacker.example";

        using var response = await client.SendAsync(request);
        await fixture.DispatchOutboxAsync();
        var mail = Assert.Single(await fixture.MailDev.WaitForAsync(email));

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var site = fixture.App.Services.GetRequiredService<IOptions<SiteOptions>>().Value.PublicUrl;
        var links = AnyLink().Matches(mail.Text ?? "").Select(m => new Uri(m.Value)).ToList();
        Assert.NotEmpty(links);
        Assert.All(links, link => Assert.Equal(site.Authority, link.Authority));
        Assert.DoesNotContain("attacker.example", mail.Text, StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex AnyLink();

    [GeneratedRegex(@"https?://\S+confirmEmail\S+")]
    private static partial Regex Link();

    [GeneratedRegex(@"reset code:\s*(\S+)")]
    private static partial Regex Code();
}
