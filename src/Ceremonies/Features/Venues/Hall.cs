using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ceremonies.Features.Venues;

// A span of one weekday, in the venue's own zone, during which a hall can be booked.
public sealed record OpeningHours(DayOfWeek Day, TimeOnly Opens, TimeOnly Closes);

public sealed class Hall
{
    public const int MaxBufferMinutes = 24 * 60;

    public required Guid Id { get; init; }
    public required Guid VenueId { get; init; }
    public required string Name { get; set; }
    public required int Capacity { get; set; }
    public required int SetupMinutes { get; set; }
    public required int TeardownMinutes { get; set; }
    public required IReadOnlyList<OpeningHours> OpeningHours { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; set; }
    public uint Version { get; set; }
}

internal sealed class HallConfiguration : IEntityTypeConfiguration<Hall>
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public void Configure(EntityTypeBuilder<Hall> builder)
    {
        builder.ToTable("halls");
        builder.Property(h => h.Version).IsRowVersion().HasColumnName("xmin");
        builder.Property(h => h.OpeningHours)
            .HasColumnType("jsonb")
            .HasConversion(
                hours => JsonSerializer.Serialize(hours, Json),
                text => JsonSerializer.Deserialize<List<OpeningHours>>(text, Json) ?? new List<OpeningHours>(),
                new ValueComparer<IReadOnlyList<OpeningHours>>(
                    (a, b) => a != null && b != null && a.SequenceEqual(b),
                    hours => hours.Aggregate(0, (hash, h) => HashCode.Combine(hash, h)),
                    hours => hours.ToList()));
        builder.HasOne<Venue>().WithMany().HasForeignKey(h => h.VenueId);
    }
}
