using Ceremonies.Data;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Demo;

// Demo accounts, venues, the remembrance and community events for ops/run (Seed:Demo=true). Never in Production. Safe to run at every
// start: what exists is left alone.
public static class DemoSeed
{
    public const string DefaultPassword = "Remember-2026";

    public static readonly Guid MemorialId = new("0193a6f0-1000-7000-8000-000000000001");
    public static readonly Guid ParisId = new("0193a6f0-1000-7000-8000-000000000002");
    public static readonly Guid NewYorkId = new("0193a6f0-1000-7000-8000-000000000003");
    public static readonly Guid IstanbulId = new("0193a6f0-1000-7000-8000-000000000004");
    public static readonly Guid SydneyId = new("0193a6f0-1000-7000-8000-000000000005");
    public static readonly Guid RemembranceId = new("0193a6f0-2000-7000-8000-000000000001");

    public static async Task SeedDemoIfConfiguredAsync(this WebApplication app, CancellationToken cancellationToken)
    {
        if (!app.Configuration.GetValue("Seed:Demo", false))
        {
            return;
        }
        if (app.Environment.IsProduction())
        {
            throw new InvalidOperationException("Seed:Demo is set in Production; demo accounts have a known password.");
        }
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<CeremoniesDb>();
        var users = services.GetRequiredService<UserManager<IdentityUser<Guid>>>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var password = Environment.GetEnvironmentVariable("CEREMONIES_DEMO_PASSWORD") is { Length: > 0 } p ? p : DefaultPassword;

        await UserAsync(users, "admin@demo.local", password, Roles.Admin);
        var moderator = await UserAsync(users, "moderator@demo.local", password, Roles.Moderator);
        var manager = await UserAsync(users, "manager@memorial.demo.local", password);
        var staff = await UserAsync(users, "staff@memorial.demo.local", password);
        var parisStaff = await UserAsync(users, "staff@paris.demo.local", password);
        var organizer = await UserAsync(users, "organizer@demo.local", password);
        var secondOrganizer = await UserAsync(users, "organizer2@demo.local", password);

        var daily = Enum.GetValues<DayOfWeek>().Select(d => new OpeningHours(d, new TimeOnly(9, 0), new TimeOnly(19, 0))).ToList();
        if (!await db.Venues.AnyAsync(v => v.Id == MemorialId, cancellationToken))
        {
            db.Venues.Add(new Venue
            {
                Id = MemorialId, Name = "Khojaly Genocide Memorial", City = "Khojaly", Country = "AZ", TimeZone = "Asia/Baku",
                ContactEmail = "manager@memorial.demo.local", CreatedAt = now, UpdatedAt = now,
            });
            db.Halls.AddRange(
                Hall(MemorialId, "Assembly hall", 300, 60, 30, daily, now),
                Hall(MemorialId, "Exhibition hall East", 120, 30, 30, daily, now),
                Hall(MemorialId, "Exhibition hall West", 120, 30, 30, daily, now));
            db.VenueMemberships.AddRange(
                new VenueMembership { VenueId = MemorialId, UserId = manager.Id, Role = VenueRole.Manager, CreatedAt = now },
                new VenueMembership { VenueId = MemorialId, UserId = staff.Id, Role = VenueRole.Staff, CreatedAt = now });
        }
        if (!await db.Venues.AnyAsync(v => v.Id == ParisId, cancellationToken))
        {
            db.Venues.Add(new Venue
            {
                Id = ParisId, Name = "Community house, Paris", City = "Paris", Country = "FR", TimeZone = "Europe/Paris",
                ContactEmail = "staff@paris.demo.local", CreatedAt = now, UpdatedAt = now,
            });
            db.Halls.Add(Hall(ParisId, "Main hall", 80, 30, 15, daily, now));
            db.VenueMemberships.Add(new VenueMembership { VenueId = ParisId, UserId = parisStaff.Id, Role = VenueRole.Staff, CreatedAt = now });
        }
        foreach (var (id, name, city, country, zone) in new[]
        {
            (NewYorkId, "Community centre, New York", "New York", "US", "America/New_York"),
            (IstanbulId, "Cultural centre, Istanbul", "Istanbul", "TR", "Europe/Istanbul"),
            (SydneyId, "Community hall, Sydney", "Sydney", "AU", "Australia/Sydney"),
        })
        {
            if (!await db.Venues.AnyAsync(v => v.Id == id, cancellationToken))
            {
                db.Venues.Add(new Venue { Id = id, Name = name, City = city, Country = country, TimeZone = zone, CreatedAt = now, UpdatedAt = now });
                db.Halls.Add(Hall(id, "Main hall", 100, 30, 15, daily, now));
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        var occurrence = await RemembranceAsync(db, services.GetRequiredService<OccurrencePlanning>(), now, cancellationToken);
        await DemoEvents.SeedAsync(db, occurrence, new(organizer.Id, secondOrganizer.Id, moderator.Id), now, cancellationToken);
    }

    // The observance, its occurrence of the coming 26 February, and the demo venues taking part in it
    // (the memorial as its host). Sydney holds the minute at 00:00 on 27 February, its own date.
    private static async Task<Occurrence> RemembranceAsync(CeremoniesDb db, OccurrencePlanning planning, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await db.Observances.FirstOrDefaultAsync(o => o.Id == RemembranceId, cancellationToken) is not { } observance)
        {
            observance = new Observance
            {
                Id = RemembranceId, Name = "Khojaly genocide remembrance",
                Description = "The annual remembrance of the victims of the Khojaly genocide of 26 February 1992, with a minute of silence held together.",
                Month = 2, Day = 26, SilenceLocalTime = new TimeOnly(17, 0), ReferenceZone = "Asia/Baku", Mode = SilenceMode.OneInstant,
                HostVenueId = MemorialId, NoticeMinutesBefore = 1440, PrepareMinutesBefore = 10, SilenceSeconds = 60,
                CreatedAt = now, UpdatedAt = now,
            };
            db.Observances.Add(observance);
            await db.SaveChangesAsync(cancellationToken);
        }
        var year = SilenceMoments.ReferenceInstant(observance.Rule, now.Year) > now ? now.Year : now.Year + 1;
        var (occurrence, _) = await planning.EnsureAsync(observance, year, cancellationToken);
        foreach (var venueId in new[] { ParisId, NewYorkId, IstanbulId, SydneyId })
        {
            var venue = await db.Venues.SingleAsync(v => v.Id == venueId, cancellationToken);
            await planning.JoinAsync(observance, occurrence, venue, cancellationToken);
        }
        return occurrence;
    }

    private static Hall Hall(Guid venueId, string name, int capacity, int setup, int teardown, List<OpeningHours> hours, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now), VenueId = venueId, Name = name, Capacity = capacity,
        SetupMinutes = setup, TeardownMinutes = teardown, OpeningHours = hours, CreatedAt = now, UpdatedAt = now,
    };

    private static async Task<IdentityUser<Guid>> UserAsync(UserManager<IdentityUser<Guid>> users, string email, string password, string? role = null)
    {
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            user = new IdentityUser<Guid> { Id = Guid.CreateVersion7(), UserName = email, Email = email, EmailConfirmed = true };
            var created = await users.CreateAsync(user, password);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException($"Demo account {email}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
            }
        }
        if (role is not null && !await users.IsInRoleAsync(user, role))
        {
            await users.AddToRoleAsync(user, role);
        }
        return user;
    }
}
