using Ceremonies.Data;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Demo;

// Demo accounts and venues for ops/run (Seed:Demo=true). Never in Production. Safe to run at every
// start: what exists is left alone.
public static class DemoSeed
{
    public const string DefaultPassword = "Remember-2026";

    public static readonly Guid MemorialId = new("0193a6f0-1000-7000-8000-000000000001");
    public static readonly Guid ParisId = new("0193a6f0-1000-7000-8000-000000000002");

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
        await UserAsync(users, "moderator@demo.local", password, Roles.Moderator);
        var manager = await UserAsync(users, "manager@memorial.demo.local", password);
        var staff = await UserAsync(users, "staff@memorial.demo.local", password);
        var parisStaff = await UserAsync(users, "staff@paris.demo.local", password);
        await UserAsync(users, "organizer@demo.local", password);

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
        await db.SaveChangesAsync(cancellationToken);
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
