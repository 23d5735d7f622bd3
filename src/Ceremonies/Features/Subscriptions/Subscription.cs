using Ceremonies.Data;
using Ceremonies.Features.Events;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ceremonies.Features.Subscriptions;

public enum SubscriptionState
{
    Pending,
    Confirmed,
    Unsubscribed,
}

// What a subscriber follows: the observance's minute each year, a venue (its events and its
// minute), every event in a country, or one event.
public enum Follows
{
    Observance,
    Venue,
    Country,
    Event,
}

// A person who asked, without an account, to be reminded by email. Nothing but the confirmation
// mail goes to the address until its link is opened.
public sealed class Subscription
{
    public required Guid Id { get; init; }
    public required string Email { get; init; }
    public required string TimeZone { get; set; }
    public required string Language { get; set; }
    public required Follows Follows { get; set; }
    public Guid? ObservanceId { get; set; }
    public Guid? VenueId { get; set; }
    public string? Country { get; set; }
    public Guid? EventId { get; set; }
    public required int[] OffsetMinutes { get; set; }
    public required SubscriptionState State { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ConfirmedAt { get; set; }
    public DateTimeOffset? UnsubscribedAt { get; set; }

    public void Follow(SubscriptionTarget target)
    {
        Follows = target.Follows;
        ObservanceId = target.Follows == Follows.Observance ? target.Id : null;
        VenueId = target.Follows == Follows.Venue ? target.Id : null;
        EventId = target.Follows == Follows.Event ? target.Id : null;
        Country = target.Follows == Follows.Country ? target.Country : null;
    }

    public SubscriptionTarget Target => new(Follows, ObservanceId ?? VenueId ?? EventId, Country);
}

// The thing followed: an id for the observance, a venue or an event; a country code for a country.
public readonly record struct SubscriptionTarget(Follows Follows, Guid? Id, string? Country);

internal sealed class SubscriptionConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> builder)
    {
        builder.ToTable("subscriptions");
        builder.Property(s => s.State).HasConversion<SnakeCaseEnumConverter<SubscriptionState>>();
        builder.Property(s => s.Follows).HasConversion<SnakeCaseEnumConverter<Follows>>();
        builder.Property(s => s.Country).HasColumnType("char(2)");
        builder.Ignore(s => s.Target);
        builder.HasOne<Observance>().WithMany().HasForeignKey(s => s.ObservanceId);
        builder.HasOne<Venue>().WithMany().HasForeignKey(s => s.VenueId);
        builder.HasOne<CommunityEvent>().WithMany().HasForeignKey(s => s.EventId);
    }
}

public static class SubscriptionSets
{
    extension(CeremoniesDb db)
    {
        public DbSet<Subscription> Subscriptions => db.Set<Subscription>();
    }
}
