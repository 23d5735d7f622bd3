using System.Net.Http.Json;
using Ceremonies.Data;
using Ceremonies.Features.Demo;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Demo;

[Collection(AppTests.Name)]
public sealed class DemoSeedTests(AppFixture fixture)
{
    [Fact]
    public async Task TheDemoSeedCreatesTheVenuesAccountsAndRemembranceOnceAndTheyCanSignIn()
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
        var remembrance = await again.InScopeAsync<CeremoniesDb, List<Observance>>(db =>
            db.Observances.Where(o => o.Name == "Khojaly genocide remembrance").ToListAsync());
        var observance = Assert.Single(remembrance);
        Assert.Equal((2, 26, new TimeOnly(17, 0), "Asia/Baku", SilenceMode.OneInstant, DemoSeed.MemorialId),
            (observance.Month, observance.Day, observance.SilenceLocalTime, observance.ReferenceZone, observance.Mode, observance.HostVenueId));
        var occurrence = Assert.Single(await again.InScopeAsync<CeremoniesDb, List<Occurrence>>(db =>
            db.Occurrences.Where(o => o.ObservanceId == DemoSeed.RemembranceId).ToListAsync()));
        Assert.Equal(2, occurrence.LocalDate.Month);
        Assert.Equal(26, occurrence.LocalDate.Day);
        Assert.True(occurrence.SilenceAt > DateTimeOffset.UtcNow && occurrence.SilenceAt < DateTimeOffset.UtcNow.AddYears(1));
        var venues = await again.InScopeAsync<CeremoniesDb, List<ParticipantView>>(db => OccurrenceQueries.ParticipantsAsync(db, occurrence.Id, CancellationToken.None));
        Assert.Equal(
            [DemoSeed.MemorialId, DemoSeed.ParisId, DemoSeed.NewYorkId, DemoSeed.IstanbulId, DemoSeed.SydneyId],
            [.. venues.Select(v => v.VenueId).Order()]);
        Assert.All(venues, v => Assert.Equal(occurrence.SilenceAt, v.BeginsAt));
        Assert.Equal([DemoSeed.SydneyId], venues.Where(v => v.DifferentDay).Select(v => v.VenueId));
        Assert.Equal(new DateOnly(occurrence.Year, 2, 27), venues.Single(v => v.VenueId == DemoSeed.SydneyId).LocalDate);
        using var client = again.CreateClient();
        foreach (var email in new[] { "admin@demo.local", "moderator@demo.local", "manager@memorial.demo.local", "staff@memorial.demo.local", "staff@paris.demo.local", "organizer@demo.local" })
        {
            using var login = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = DemoSeed.DefaultPassword });
            Assert.True(login.IsSuccessStatusCode, $"{email}: {(int)login.StatusCode}");
        }
    }
}
