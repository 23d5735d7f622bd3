using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

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
        using var confirmed = await client.GetAsync(new Uri(link));
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

    [GeneratedRegex(@"https?://\S+confirmEmail\S+")]
    private static partial Regex Link();

    [GeneratedRegex(@"reset code:\s*(\S+)")]
    private static partial Regex Code();
}
