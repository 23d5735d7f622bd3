using System.Net.Http.Json;
using Ceremonies.Data;
using Ceremonies.Features.Demo;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Demo;

[Collection(AppTests.Name)]
public sealed class DemoSeedTests(AppFixture fixture)
{
    [Fact]
    public async Task TheDemoSeedCreatesTheVenuesAndAccountsOnceAndTheyCanSignIn()
    {
        var seeded = new Dictionary<string, string?> { ["Seed:Demo"] = "true" };
        await using (fixture.StartAnotherApp(seeded))
        {
        }
        await using var again = fixture.StartAnotherApp(seeded);

        var memorial = await again.InScopeAsync<CeremoniesDb, List<string>>(db =>
            db.Halls.Where(h => h.VenueId == DemoSeed.MemorialId).OrderBy(h => h.Name).Select(h => h.Name).ToListAsync());
        Assert.Equal(["Assembly hall", "Exhibition hall East", "Exhibition hall West"], memorial);
        var staff = await again.InScopeAsync<CeremoniesDb, List<StaffMemberView>>(db => StaffEndpoints.Members(db, DemoSeed.MemorialId).ToListAsync());
        Assert.Equal(["manager@memorial.demo.local", "staff@memorial.demo.local"], staff.Select(s => s.Email));
        using var client = again.CreateClient();
        foreach (var email in new[] { "admin@demo.local", "moderator@demo.local", "manager@memorial.demo.local", "staff@memorial.demo.local", "staff@paris.demo.local", "organizer@demo.local" })
        {
            using var login = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = DemoSeed.DefaultPassword });
            Assert.True(login.IsSuccessStatusCode, $"{email}: {(int)login.StatusCode}");
        }
    }
}
