using Ceremonies.Data;
using Ceremonies.Infrastructure.Time;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Npgsql;

namespace Ceremonies.Features.Bookings;

public enum BookingKind
{
    OfficialEvent,
    CommemorationCeremony,
    Visit,
    Private,
}

public enum BookingState
{
    Requested,
    Confirmed,
    Declined,
    Cancelled,
    Expired,
}

// A reservation of one hall. Its start and end are what the person meant (local time in the
// venue's zone) and the instants they are; the occupied range adds the hall's setup and teardown
// buffers and is what the exclusion constraint keeps apart for live (requested or confirmed) bookings.
public sealed class Booking
{
    public const string NoOverlapConstraint = "bookings_no_overlap";
    public const string NotInBlackoutConstraint = "bookings_not_in_blackout";

    public required Guid Id { get; init; }
    public required Guid HallId { get; init; }
    public required Guid VenueId { get; init; }
    public Guid? SeriesId { get; init; }
    public required string Title { get; set; }
    public required BookingKind Kind { get; set; }
    public required int Attendees { get; set; }
    public required string Contact { get; set; }
    public string? Notes { get; set; }
    public required DateTime LocalStart { get; set; }
    public required DateTime LocalEnd { get; set; }
    public required string TimeZone { get; init; }
    public required DateTimeOffset StartsAt { get; set; }
    public required DateTimeOffset EndsAt { get; set; }
    public required DateTimeOffset OccupiedFrom { get; set; }
    public required DateTimeOffset OccupiedUntil { get; set; }
    public required BookingState State { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public required Guid RequestedBy { get; init; }
    public Guid? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? Reason { get; set; }
    // RFC 5545 SEQUENCE: bumped on every change a calendar should notice.
    public int Sequence { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; set; }
    public uint Version { get; set; }

    public bool IsLive => State is BookingState.Requested or BookingState.Confirmed;

    private static string? _insertSql;

    // The lock the closure triggers take on a hall (migration HallClosureLocks): bookings share it, a
    // closure takes it alone. A booking that PostgreSQL aborted as a deadlock takes it alone too when
    // it runs again: it then waits for the bookings under way to finish and inserts while no other
    // booking of the hall is being inserted, so it cannot deadlock a second time.
    public static NpgsqlBatchCommand LockHallAlone(Guid hallId) =>
        new("SELECT pg_advisory_xact_lock(26021992, hashtext($1::text))") { Parameters = { RowBatch.Value(hallId) } };

    // The row as a batch command (RowBatch), for booking without EF's update pipeline.
    public NpgsqlBatchCommand Insert() => RowBatch.Insert(ref _insertSql, "bookings",
        ("id", RowBatch.Value(Id)),
        ("hall_id", RowBatch.Value(HallId)),
        ("venue_id", RowBatch.Value(VenueId)),
        ("series_id", RowBatch.Value(SeriesId)),
        ("title", RowBatch.Value(Title)),
        ("kind", RowBatch.Value(SnakeCase.Text(Kind))),
        ("attendees", RowBatch.Value(Attendees)),
        ("contact", RowBatch.Value(Contact)),
        ("notes", RowBatch.Value(Notes)),
        ("local_start", RowBatch.Value(LocalStart)),
        ("local_end", RowBatch.Value(LocalEnd)),
        ("time_zone", RowBatch.Value(TimeZone)),
        ("starts_at", RowBatch.Value(StartsAt)),
        ("ends_at", RowBatch.Value(EndsAt)),
        ("occupied_from", RowBatch.Value(OccupiedFrom)),
        ("occupied_until", RowBatch.Value(OccupiedUntil)),
        ("state", RowBatch.Value(SnakeCase.Text(State))),
        ("expires_at", RowBatch.Value(ExpiresAt)),
        ("requested_by", RowBatch.Value(RequestedBy)),
        ("decided_by", RowBatch.Value(DecidedBy)),
        ("decided_at", RowBatch.Value(DecidedAt)),
        ("reason", RowBatch.Value(Reason)),
        ("sequence", RowBatch.Value(Sequence)),
        ("created_at", RowBatch.Value(CreatedAt)),
        ("updated_at", RowBatch.Value(UpdatedAt)));

    // The venue's staff book outright; anyone else's booking is a request that holds its slot
    // until the staff decide or the hold ends.
    public static Booking New(
        Hall hall, ZonedSpan span, string title, BookingKind kind, int attendees, string contact, string? notes,
        Guid requestedBy, bool byStaff, TimeSpan requestHold, DateTimeOffset now, Guid? seriesId = null)
    {
        var booking = new Booking
        {
            Id = Guid.CreateVersion7(now),
            HallId = hall.Id,
            VenueId = hall.VenueId,
            SeriesId = seriesId,
            Title = title,
            Kind = kind,
            Attendees = attendees,
            Contact = contact,
            Notes = notes,
            TimeZone = span.Start.Zone,
            LocalStart = span.Start.Local,
            LocalEnd = span.End.Local,
            StartsAt = span.Start.Instant,
            EndsAt = span.End.Instant,
            OccupiedFrom = span.Start.Instant,
            OccupiedUntil = span.End.Instant,
            State = byStaff ? BookingState.Confirmed : BookingState.Requested,
            ExpiresAt = byStaff ? null : now + requestHold,
            RequestedBy = requestedBy,
            DecidedBy = byStaff ? requestedBy : null,
            DecidedAt = byStaff ? now : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        booking.Place(span, hall);
        return booking;
    }

    public void Place(ZonedSpan span, Hall hall)
    {
        LocalStart = span.Start.Local;
        LocalEnd = span.End.Local;
        StartsAt = span.Start.Instant;
        EndsAt = span.End.Instant;
        OccupiedFrom = span.Start.Instant.AddMinutes(-hall.SetupMinutes);
        OccupiedUntil = span.End.Instant.AddMinutes(hall.TeardownMinutes);
    }

    // The state machine: requested → confirmed | declined | cancelled | expired; confirmed → cancelled.
    public bool CanMoveTo(BookingState next) => (State, next) switch
    {
        (BookingState.Requested, BookingState.Confirmed or BookingState.Declined or BookingState.Cancelled or BookingState.Expired) => true,
        (BookingState.Confirmed, BookingState.Cancelled) => true,
        _ => false,
    };

    public void MoveTo(BookingState next, Guid? by, string? reason, DateTimeOffset now)
    {
        if (!CanMoveTo(next))
        {
            throw new InvalidOperationException($"A {State} booking cannot become {next}.");
        }
        State = next;
        DecidedBy = by;
        DecidedAt = now;
        Reason = reason;
        ExpiresAt = null;
        Sequence++;
        UpdatedAt = now;
    }
}

internal sealed class BookingConfiguration : IEntityTypeConfiguration<Booking>
{
    public void Configure(EntityTypeBuilder<Booking> builder)
    {
        builder.ToTable("bookings");
        builder.Property(b => b.Version).IsRowVersion();
        builder.Property(b => b.Kind).HasConversion<SnakeCaseEnumConverter<BookingKind>>();
        builder.Property(b => b.State).HasConversion<SnakeCaseEnumConverter<BookingState>>();
        builder.Property(b => b.LocalStart).HasColumnType("timestamp without time zone");
        builder.Property(b => b.LocalEnd).HasColumnType("timestamp without time zone");
        builder.Ignore(b => b.IsLive);
        builder.HasOne<Hall>().WithMany().HasForeignKey(b => b.HallId);
        builder.HasOne<Venue>().WithMany().HasForeignKey(b => b.VenueId);
    }
}

// A closed period of a hall: maintenance, or a day kept for the official ceremony.
public sealed class Blackout
{
    public const string NotOverBookingsConstraint = "blackouts_not_over_live_bookings";

    public required Guid Id { get; init; }
    public required Guid HallId { get; init; }
    public required DateTime LocalStart { get; init; }
    public required DateTime LocalEnd { get; init; }
    public required string TimeZone { get; init; }
    public required DateTimeOffset StartsAt { get; init; }
    public required DateTimeOffset EndsAt { get; init; }
    public required string Reason { get; init; }
    public required Guid CreatedBy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

internal sealed class BlackoutConfiguration : IEntityTypeConfiguration<Blackout>
{
    public void Configure(EntityTypeBuilder<Blackout> builder)
    {
        builder.ToTable("blackouts");
        builder.Property(b => b.LocalStart).HasColumnType("timestamp without time zone");
        builder.Property(b => b.LocalEnd).HasColumnType("timestamp without time zone");
        builder.HasOne<Hall>().WithMany().HasForeignKey(b => b.HallId);
    }
}

// A secret, revocable address of a hall's calendar for the staff's own calendar apps. Only a hash
// of the token is kept.
public sealed class CalendarFeed
{
    public required Guid Id { get; init; }
    public required Guid HallId { get; init; }
    public required string TokenHash { get; init; }
    public required Guid CreatedBy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; set; }
}

internal sealed class CalendarFeedConfiguration : IEntityTypeConfiguration<CalendarFeed>
{
    public void Configure(EntityTypeBuilder<CalendarFeed> builder)
    {
        builder.ToTable("calendar_feeds");
        builder.HasOne<Hall>().WithMany().HasForeignKey(f => f.HallId);
    }
}

public static class BookingSets
{
    extension(CeremoniesDb db)
    {
        public DbSet<Booking> Bookings => db.Set<Booking>();
        public DbSet<Blackout> Blackouts => db.Set<Blackout>();
        public DbSet<CalendarFeed> CalendarFeeds => db.Set<CalendarFeed>();
    }
}
