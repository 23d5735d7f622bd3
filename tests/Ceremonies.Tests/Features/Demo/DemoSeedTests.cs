using System.Net.Http.Json;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Demo;
using Ceremonies.Features.Events;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Venues;
using Microsoft.AspNetCore.Identity;
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
        foreach (var email in new[] { "admin@demo.local", "moderator@demo.local", "manager@memorial.demo.local", "staff@memorial.demo.local", "staff@paris.demo.local", "organizer@demo.local", "organizer2@demo.local" })
        {
            using var login = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = DemoSeed.DefaultPassword });
            Assert.True(login.IsSuccessStatusCode, $"{email}: {(int)login.StatusCode}");
        }
    }

    // Approved events in eight countries on the day of the coming remembrance, one waiting for a
    // moderator and one rejected; inserted as rows, so no organizer is mailed about them.
    [Fact]
    public async Task TheDemoSeedAddsCommunityEventsOfTheComingRemembranceOnceAndMailsNoOne()
    {
        var seeded = new Dictionary<string, string?> { ["Seed:Demo"] = "true" };
        Occurrence occurrence;
        IReadOnlyList<Guid> ids;
        List<CommunityEvent> first;
        await using (var app = fixture.StartAnotherApp(seeded))
        {
            occurrence = await app.InScopeAsync<CeremoniesDb, Occurrence>(db =>
                db.Occurrences.SingleAsync(o => o.ObservanceId == DemoSeed.RemembranceId && o.SilenceAt > DateTimeOffset.UtcNow));
            ids = DemoEvents.IdsFor(occurrence.Year);
            first = await app.InScopeAsync<CeremoniesDb, List<CommunityEvent>>(db => db.Events.AsNoTracking().Where(e => ids.Contains(e.Id)).OrderBy(e => e.Id).ToListAsync());
            // A demo user changed one: the next start leaves it as it is.
            var london = first.Single(e => e.City == "London").Id;
            await app.InScopeAsync<CeremoniesDb, int>(db => db.Events.Where(e => e.Id == london)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.Title, "Renamed by a demo user")));
        }
        await using var again = fixture.StartAnotherApp(seeded);

        var second = await again.InScopeAsync<CeremoniesDb, List<CommunityEvent>>(db => db.Events.AsNoTracking().Where(e => ids.Contains(e.Id)).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(first.Select(e => (e.Id, e.CreatedAt)), second.Select(e => (e.Id, e.CreatedAt)));
        Assert.Equal("Renamed by a demo user", second.Single(e => e.City == "London").Title);
        Assert.Equal(ids.Order(), first.Select(e => e.Id).Order());

        var approved = first.Where(e => e.State == EventState.Approved).ToList();
        Assert.Equal(
            [("Berlin", "DE", "Europe/Berlin"), ("Istanbul", "TR", "Europe/Istanbul"), ("London", "GB", "Europe/London"), ("New York", "US", "America/New_York"),
                ("Paris", "FR", "Europe/Paris"), ("Sydney", "AU", "Australia/Sydney"), ("Tbilisi", "GE", "Asia/Tbilisi"), ("Toronto", "CA", "America/Toronto")],
            approved.Select(e => (e.City, e.Country, e.TimeZone)).Order());
        Assert.All(approved, e => Assert.True(e.Published));
        var pending = Assert.Single(first, e => e.State == EventState.Submitted);
        var rejected = Assert.Single(first, e => e.State == EventState.Rejected);
        Assert.False(pending.Published || rejected.Published);
        Assert.False(string.IsNullOrWhiteSpace(rejected.Reason));
        Assert.All(first, e =>
        {
            Assert.Equal(occurrence.Id, e.OccurrenceId);
            Assert.Equal(occurrence.LocalDate, DateOnly.FromDateTime(e.LocalStart));
            var zone = TimeZoneInfo.FindSystemTimeZoneById(e.TimeZone);
            Assert.Equal((TimeZoneInfo.ConvertTimeToUtc(e.LocalStart, zone), TimeZoneInfo.ConvertTimeToUtc(e.LocalEnd, zone)), (e.StartsAt.UtcDateTime, e.EndsAt.UtcDateTime));
            Assert.NotEmpty(e.Languages);
            Assert.True(e.Capacity > 0 && e.Description.Length > 0 && e.Address.Length > 0 && e.OrganizerName.Length > 0);
        });
        // Those holding the minute are under way when it is held.
        Assert.True(approved.Count(e => e.HoldsSilence) >= 5);
        Assert.All(approved.Where(e => e.HoldsSilence), e => Assert.True(e.StartsAt <= occurrence.SilenceAt && occurrence.SilenceAt < e.EndsAt, e.City));
        var organizers = await again.InScopeAsync<UserManager<IdentityUser<Guid>>, List<Guid>>(async users =>
            [(await users.FindByEmailAsync("organizer@demo.local"))!.Id, (await users.FindByEmailAsync("organizer2@demo.local"))!.Id]); // both seeded above
        Assert.Equal(organizers, first.Select(e => e.OrganizerId).Distinct().Order());

        var listed = await again.InScopeAsync<CeremoniesDb, List<Guid>>(db => db.Events
            .Matching(db, new EventFilter(From: occurrence.SilenceAt.AddDays(-2), To: occurrence.SilenceAt.AddDays(2), Observance: DemoSeed.RemembranceId), DateTimeOffset.UtcNow)
            .Where(e => ids.Contains(e.Id)).Select(e => e.Id).ToListAsync());
        Assert.Equal(approved.Select(e => e.Id).Order(), listed.Order());
        var view = await again.InScopeAsync<CeremoniesDb, OccurrenceView?>(db => OccurrenceQueries.ViewAsync(db, occurrence.Id, CancellationToken.None));
        Assert.Equal(approved.Where(e => e.HoldsSilence).Select(e => e.Id).Order(), view!.CommunityEvents.Select(e => e.EventId).Order());
        Assert.True(view.CommunityEvents.Single(e => e.City == "Sydney").DifferentDay);

        var eventMails = await again.InScopeAsync<CeremoniesDb, List<string>>(db =>
            db.Outbox.Where(m => m.IdempotencyKey.StartsWith("event:")).Select(m => m.IdempotencyKey).ToListAsync());
        Assert.DoesNotContain(eventMails, k => ids.Any(id => k.StartsWith($"event:{id}:", StringComparison.Ordinal)));
        Assert.False(await again.InScopeAsync<CeremoniesDb, bool>(db =>
            db.Outbox.AnyAsync(m => m.Recipient == "organizer@demo.local" || m.Recipient == "organizer2@demo.local")));
    }
}
