using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ceremonies.Tests.Infrastructure.Security;

// Keys written before the key store was PersistKeysToDbContext must go on protecting what they
// protected: a sign-in cookie issued before the upgrade stays valid after it.
[Collection(AppTests.Name)]
public sealed partial class DataProtectionKeysTests(AppFixture fixture)
{
    [Fact]
    public async Task ACookieIssuedUnderAKeyStoredTheOldWayStillSignsInAfterTheSwitch()
    {
        var world = await World.CreateAsync(fixture);
        var principal = await fixture.App.InScopeAsync<SignInManager<IdentityUser<Guid>>, System.Security.Claims.ClaimsPrincipal>(
            signIn => signIn.CreateUserPrincipalAsync(world.Person(Who.Staff)));

        // A process before the switch: the same application name, a key ring of its own.
        var before = new KeptElements();
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName("ceremonies");
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = before);
        string cookie;
        await using (var provider = services.BuildServiceProvider())
        {
            // How the cookie handler protects Identity's application cookie.
            var format = new TicketDataFormat(provider.GetRequiredService<IDataProtectionProvider>().CreateProtector(
                "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware", IdentityConstants.ApplicationScheme, "v2"));
            var now = DateTimeOffset.UtcNow;
            cookie = format.Protect(new AuthenticationTicket(principal,
                new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now.AddHours(8) }, IdentityConstants.ApplicationScheme));
        }
        var (friendlyName, key) = Assert.Single(before.Elements);
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Multiplexing = false }.ConnectionString))
        {
            await connection.OpenAsync();
            // The statement of the repository that stored keys before the switch.
            await using var insert = new NpgsqlCommand("INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml)", connection);
            insert.Parameters.AddWithValue("name", friendlyName);
            insert.Parameters.AddWithValue("xml", key.ToString(SaveOptions.DisableFormatting));
            await insert.ExecuteNonQueryAsync();
        }

        // A process started after the switch reads the key ring afresh from the database.
        await using var after = fixture.StartAnotherApp();
        using var client = after.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = after.Address, AllowAutoRedirect = false, HandleCookies = false });
        var signedIn = await HeadingAsync(client, cookie);
        var tampered = await HeadingAsync(client, cookie[..^4] + (cookie.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"));

        Assert.Equal("My bookings and requests", signedIn);
        Assert.Equal("Sign in", tampered);
        // The app's own key, stored by PersistKeysToDbContext, sits in the same table beside it.
        Assert.True(await after.InScopeAsync<DataProtectionKeysDb, bool>(db => db.DataProtectionKeys.AnyAsync(k => k.FriendlyName != friendlyName)));
    }

    // A page only a signed-in person sees; anyone else gets the sign-in form in its place.
    private static async Task<string> HeadingAsync(HttpClient client, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/bookings/mine", UriKind.Relative));
        request.Headers.Add("Cookie", $"ceremonies.auth={cookie}");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Heading().Match(await response.Content.ReadAsStringAsync()).Groups[1].Value;
    }

    [GeneratedRegex("<h1>([^<]*)</h1>")]
    private static partial Regex Heading();

    private sealed class KeptElements : IXmlRepository
    {
        public List<(string FriendlyName, XElement Element)> Elements { get; } = [];

        public IReadOnlyCollection<XElement> GetAllElements() => [.. Elements.Select(e => e.Element)];

        public void StoreElement(XElement element, string friendlyName) => Elements.Add((friendlyName, element));
    }
}
