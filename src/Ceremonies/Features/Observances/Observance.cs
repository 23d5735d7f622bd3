using Ceremonies.Data;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ceremonies.Features.Observances;

// A commemoration held every year on one date ("26 February"), with its minute of silence at a local
// time in a reference zone, and the plan of what each taking part venue is told and when.
public sealed class Observance
{
    public required Guid Id { get; init; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public required int Month { get; set; }
    public required int Day { get; set; }
    public required TimeOnly SilenceLocalTime { get; set; }
    public required string ReferenceZone { get; set; }
    public required SilenceMode Mode { get; set; }
    // The venue that takes part in every occurrence without opting in (the memorial itself).
    public Guid? HostVenueId { get; set; }
    public required int NoticeMinutesBefore { get; set; }
    public required int PrepareMinutesBefore { get; set; }
    public required int SilenceSeconds { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; set; }

    // PostgreSQL's xmin: the ETag and the concurrency token of an edit.
    public uint Version { get; set; }

    public SilenceRule Rule => new(Month, Day, SilenceLocalTime, ReferenceZone, Mode);
}

// One year's observance. SilenceAt is the reference zone's moment; each venue's is on its row.
public sealed class Occurrence
{
    public required Guid Id { get; init; }
    public required Guid ObservanceId { get; init; }
    public required int Year { get; init; }
    public required DateOnly LocalDate { get; set; }
    public required DateTimeOffset SilenceAt { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
}

// A venue taking part in an occurrence, with the minute on its own clock.
public sealed class OccurrenceVenue
{
    public required Guid OccurrenceId { get; init; }
    public required Guid VenueId { get; init; }
    public required string TimeZone { get; set; }
    public required DateOnly LocalDate { get; set; }
    public required TimeOnly LocalTime { get; set; }
    public required DateTimeOffset BeginsAt { get; set; }
    public required DateTimeOffset EndsAt { get; set; }
    public required bool DifferentDay { get; set; }
    public required SilenceTimeRule TimeRule { get; set; }
    public required DateTimeOffset JoinedAt { get; init; }
    public DateTimeOffset? ReadyAt { get; set; }
    public string? ReadyBy { get; set; }
}

public enum Signal
{
    Notice,
    Prepare,
    Begin,
    End,
}

public enum DeliveryState
{
    Pending,
    Delivered,
    Failed,
    // The venue has no PA webhook to call.
    Skipped,
    // The venue left the occurrence, or its moment was re-planned.
    Cancelled,
}

// One signal to one venue's PA system. Unique per occurrence × venue × signal: whichever worker
// claims it sends it, and a second claim finds it taken.
public sealed class SignalDelivery
{
    public required Guid Id { get; init; }
    public required Guid OccurrenceId { get; init; }
    public required Guid VenueId { get; init; }
    public required Signal Signal { get; init; }
    public required DateTimeOffset DueAt { get; set; }
    public required DateTimeOffset DeadlineAt { get; set; }
    public DeliveryState State { get; set; } = DeliveryState.Pending;
    public int Attempts { get; set; }
    public string? LockedBy { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public int? LastStatus { get; set; }
    public string? LastError { get; set; }
}

public sealed class SignalAttempt
{
    public long Id { get; init; }
    public required Guid DeliveryId { get; init; }
    public required string Node { get; init; }
    public required DateTimeOffset AttemptedAt { get; init; }
    public required int ElapsedMs { get; init; }
    public int? Status { get; init; }
    public string? Error { get; init; }
}

internal sealed class ObservanceConfiguration :
    IEntityTypeConfiguration<Observance>, IEntityTypeConfiguration<Occurrence>, IEntityTypeConfiguration<OccurrenceVenue>,
    IEntityTypeConfiguration<SignalDelivery>, IEntityTypeConfiguration<SignalAttempt>
{
    public void Configure(EntityTypeBuilder<Observance> builder)
    {
        builder.ToTable("observances");
        builder.Property(o => o.Version).IsRowVersion();
        builder.Property(o => o.Month).HasColumnType("smallint");
        builder.Property(o => o.Day).HasColumnType("smallint");
        builder.Property(o => o.Mode).HasConversion<SnakeCaseEnumConverter<SilenceMode>>();
        builder.HasOne<Venue>().WithMany().HasForeignKey(o => o.HostVenueId);
        builder.Ignore(o => o.Rule);
    }

    public void Configure(EntityTypeBuilder<Occurrence> builder)
    {
        builder.ToTable("occurrences");
        builder.HasOne<Observance>().WithMany().HasForeignKey(o => o.ObservanceId);
        builder.HasIndex(o => new { o.ObservanceId, o.Year }).IsUnique();
    }

    public void Configure(EntityTypeBuilder<OccurrenceVenue> builder)
    {
        builder.ToTable("occurrence_venues");
        builder.HasKey(p => new { p.OccurrenceId, p.VenueId });
        builder.HasOne<Occurrence>().WithMany().HasForeignKey(p => p.OccurrenceId);
        builder.HasOne<Venue>().WithMany().HasForeignKey(p => p.VenueId);
        builder.Property(p => p.TimeRule).HasConversion<SnakeCaseEnumConverter<SilenceTimeRule>>();
    }

    public void Configure(EntityTypeBuilder<SignalDelivery> builder)
    {
        builder.ToTable("signal_deliveries");
        builder.Property(d => d.Signal).HasConversion<SnakeCaseEnumConverter<Signal>>();
        builder.Property(d => d.State).HasConversion<SnakeCaseEnumConverter<DeliveryState>>();
        builder.HasOne<OccurrenceVenue>().WithMany().HasForeignKey(d => new { d.OccurrenceId, d.VenueId });
        builder.HasIndex(d => new { d.OccurrenceId, d.VenueId, d.Signal }).IsUnique();
    }

    public void Configure(EntityTypeBuilder<SignalAttempt> builder)
    {
        builder.ToTable("signal_attempts");
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.HasOne<SignalDelivery>().WithMany().HasForeignKey(a => a.DeliveryId);
    }
}

public static class ObservanceSets
{
    extension(CeremoniesDb db)
    {
        public DbSet<Observance> Observances => db.Set<Observance>();
        public DbSet<Occurrence> Occurrences => db.Set<Occurrence>();
        public DbSet<OccurrenceVenue> OccurrenceVenues => db.Set<OccurrenceVenue>();
        public DbSet<SignalDelivery> SignalDeliveries => db.Set<SignalDelivery>();
        public DbSet<SignalAttempt> SignalAttempts => db.Set<SignalAttempt>();
    }
}
