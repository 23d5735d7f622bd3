using Ceremonies.Data;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Venues;
using Ceremonies.Features.Observances;
using Ceremonies.Infrastructure.Time;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ceremonies.Features.Events;

public enum EventState
{
    Submitted,
    Approved,
    Rejected,
    Withdrawn,
}

// A commemoration a community organizes: submitted by its organizer, seen by the public once a
// moderator approves it. Its start and end are what the organizer meant (local time in the event's
// zone) and the instants they are.
public sealed class CommunityEvent
{
    public required Guid Id { get; init; }
    public required Guid OrganizerId { get; init; }
    // Who the public sees as organizing it: a community's or association's name.
    public required string OrganizerName { get; set; }
    public required string Title { get; set; }
    public required string Description { get; set; }
    public required List<string> Languages { get; set; }
    public required DateTime LocalStart { get; set; }
    public required DateTime LocalEnd { get; set; }
    public required string TimeZone { get; set; }
    public required DateTimeOffset StartsAt { get; set; }
    public required DateTimeOffset EndsAt { get; set; }
    public required string Address { get; set; }
    public required string City { get; set; }
    public required string Country { get; set; }
    public Guid? OccurrenceId { get; set; }
    // A hall of the service the event is held in, and the booking that holds it.
    public Guid? HallId { get; init; }
    public Guid? BookingId { get; set; }
    public bool HoldsSilence { get; set; }
    public required int Capacity { get; set; }
    public required string Contact { get; set; }
    public required EventState State { get; set; }
    // The public sees it: approved, or approved before and waiting for review of a change.
    public bool Published { get; set; }
    public string? Reason { get; set; }
    public Guid? ModeratedBy { get; set; }
    public DateTimeOffset? ModeratedAt { get; set; }
    // RFC 5545 SEQUENCE: bumped on every change a calendar should notice.
    public int Sequence { get; set; }
    public required DateTimeOffset SubmittedAt { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; set; }
    public uint Version { get; set; }

    // Listed, but changed since a moderator approved it.
    public bool ChangedSinceApproval => Published && State == EventState.Submitted;

    public bool IsOver(DateTimeOffset now) => EndsAt <= now;

    public void Place(ZonedSpan span)
    {
        TimeZone = span.Start.Zone;
        LocalStart = span.Start.Local;
        LocalEnd = span.End.Local;
        StartsAt = span.Start.Instant;
        EndsAt = span.End.Instant;
    }

    // Moderation: submitted → approved | rejected | withdrawn; approved → submitted (its time or
    // place changed), rejected, withdrawn; rejected → submitted (changed and sent again). Withdrawn is final.
    public bool CanMoveTo(EventState next) => (State, next) switch
    {
        (EventState.Submitted, EventState.Approved or EventState.Rejected or EventState.Withdrawn) => true,
        (EventState.Approved, EventState.Submitted or EventState.Rejected or EventState.Withdrawn) => true,
        (EventState.Rejected, EventState.Submitted) => true,
        _ => false,
    };

    public void MoveTo(EventState next, Guid? by, string? reason, DateTimeOffset now)
    {
        if (!CanMoveTo(next))
        {
            throw new InvalidOperationException($"A {State} event cannot become {next}.");
        }
        Published = next switch
        {
            EventState.Approved => true,
            EventState.Submitted => Published,
            _ => false,
        };
        if (next == EventState.Submitted)
        {
            SubmittedAt = now;
            Reason = null;
        }
        else
        {
            ModeratedBy = by;
            ModeratedAt = now;
            Reason = reason;
        }
        State = next;
        Sequence++;
        UpdatedAt = now;
    }
}

public enum RegistrationState
{
    Pending,
    Seated,
    Waitlisted,
    Offered,
    Cancelled,
    Lapsed,
}

// A person who asked to attend an event, without an account, reached at a confirmed address.
public sealed class EventRegistration
{
    public required Guid Id { get; init; }
    public required Guid EventId { get; init; }
    public required string Name { get; set; }
    public required string Email { get; init; }
    public required RegistrationState State { get; set; }
    public DateTimeOffset? QueuedAt { get; set; }
    public DateTimeOffset? OfferExpiresAt { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; set; }

    // Holds a seat or an offer of one: counts against the capacity.
    public bool TakesSeat => State is RegistrationState.Seated or RegistrationState.Offered;

    // Still in: told when the event moves or is cancelled.
    public bool IsActive => State is RegistrationState.Seated or RegistrationState.Waitlisted or RegistrationState.Offered;
}

internal sealed class CommunityEventConfiguration : IEntityTypeConfiguration<CommunityEvent>, IEntityTypeConfiguration<EventRegistration>
{
    public void Configure(EntityTypeBuilder<CommunityEvent> builder)
    {
        builder.ToTable("events");
        builder.Property(e => e.Version).IsRowVersion();
        builder.Property(e => e.State).HasConversion<SnakeCaseEnumConverter<EventState>>();
        builder.Property(e => e.LocalStart).HasColumnType("timestamp without time zone");
        builder.Property(e => e.LocalEnd).HasColumnType("timestamp without time zone");
        builder.Property(e => e.Country).HasColumnType("char(2)");
        builder.Ignore(e => e.ChangedSinceApproval);
        builder.HasOne<IdentityUser<Guid>>().WithMany().HasForeignKey(e => e.OrganizerId);
        builder.HasOne<Occurrence>().WithMany().HasForeignKey(e => e.OccurrenceId);
        builder.HasOne<Hall>().WithMany().HasForeignKey(e => e.HallId);
        builder.HasOne<Booking>().WithMany().HasForeignKey(e => e.BookingId);
    }

    public void Configure(EntityTypeBuilder<EventRegistration> builder)
    {
        builder.ToTable("event_registrations");
        builder.Property(r => r.State).HasConversion<SnakeCaseEnumConverter<RegistrationState>>();
        builder.Ignore(r => r.TakesSeat);
        builder.Ignore(r => r.IsActive);
        builder.HasOne<CommunityEvent>().WithMany().HasForeignKey(r => r.EventId);
    }
}

public static class EventSets
{
    extension(CeremoniesDb db)
    {
        public DbSet<CommunityEvent> Events => db.Set<CommunityEvent>();
        public DbSet<EventRegistration> EventRegistrations => db.Set<EventRegistration>();
    }
}
