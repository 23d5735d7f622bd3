using Ceremonies.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ceremonies.Features.Venues;

public sealed class Venue : IReferenceData
{
    public required Guid Id { get; init; }
    public required string Name { get; set; }
    public required string City { get; set; }
    public required string Country { get; set; }
    public required string TimeZone { get; set; }
    public string? Address { get; set; }
    public string? ContactEmail { get; set; }
    public string? WebhookUrl { get; set; }
    public string? WebhookSecret { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; set; }

    // PostgreSQL's xmin: changes on every update, so it serves as the ETag and the concurrency token.
    public uint Version { get; set; }
}

internal sealed class VenueConfiguration : IEntityTypeConfiguration<Venue>
{
    public void Configure(EntityTypeBuilder<Venue> builder)
    {
        builder.ToTable("venues");
        // Npgsql maps a uint row version onto xmin.
        builder.Property(v => v.Version).IsRowVersion();
    }
}

public enum VenueRole
{
    Staff,
    Manager,
}

// One user's place in one venue; a user may belong to several venues.
public sealed class VenueMembership : IReferenceData
{
    public required Guid VenueId { get; init; }
    public required Guid UserId { get; init; }
    public required VenueRole Role { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
}

internal sealed class VenueMembershipConfiguration : IEntityTypeConfiguration<VenueMembership>
{
    public void Configure(EntityTypeBuilder<VenueMembership> builder)
    {
        builder.ToTable("venue_memberships");
        builder.HasKey(m => new { m.VenueId, m.UserId });
        builder.HasOne<Venue>().WithMany().HasForeignKey(m => m.VenueId);
        builder.HasOne<Microsoft.AspNetCore.Identity.IdentityUser<Guid>>().WithMany().HasForeignKey(m => m.UserId);
        builder.Property(m => m.Role).HasConversion<SnakeCaseEnumConverter<VenueRole>>();
    }
}

public static class VenueSets
{
    extension(CeremoniesDb db)
    {
        public DbSet<Venue> Venues => db.Set<Venue>();
        public DbSet<Hall> Halls => db.Set<Hall>();
        public DbSet<VenueMembership> VenueMemberships => db.Set<VenueMembership>();
    }
}

public static class VenuePeople
{
    extension(CeremoniesDb db)
    {
        // The confirmed addresses of the venue's staff and managers: the people who asked for its mail.
        public Task<List<string>> VenuePeopleAddressesAsync(Guid venueId, CancellationToken cancellationToken) =>
            db.VenueMemberships.Where(m => m.VenueId == venueId)
                .Join(db.Users.Where(u => u.EmailConfirmed && u.Email != null), m => m.UserId, u => u.Id, (m, u) => u.Email!)
                .Distinct().OrderBy(e => e).ToListAsync(cancellationToken);

        // The same for many venues at once, by venue.
        public async Task<ILookup<Guid, string>> VenuesPeopleAddressesAsync(IReadOnlyCollection<Guid> venueIds, CancellationToken cancellationToken) =>
            (await db.VenueMemberships.Where(m => venueIds.Contains(m.VenueId))
                .Join(db.Users.Where(u => u.EmailConfirmed && u.Email != null), m => m.UserId, u => u.Id, (m, u) => new { m.VenueId, Email = u.Email! })
                .Distinct().ToListAsync(cancellationToken))
            .OrderBy(p => p.Email, StringComparer.Ordinal).ToLookup(p => p.VenueId, p => p.Email);
    }
}
