using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Observances;

public enum JoinOutcome
{
    Joined,
    AlreadyIn,
    // The minute is over: there is nothing left to take part in.
    Over,
}

// Creating a year's occurrence and adding venues to it. A venue's signals (rows of
// signal_deliveries) and the mails to its people (rows of the outbox) are added to the same
// SaveChanges as the venue's place in the occurrence: they are planned together or not at all.
public sealed class OccurrencePlanning(CeremoniesDb db, TimeProvider clock) : IVenueClockDependent
{
    // The year's occurrence, created with the host venue taking part if it is not there yet. Two
    // callers at once (the yearly job and an admin) make one: the second finds the first's.
    public async Task<(Occurrence Occurrence, bool Created)> EnsureAsync(Observance observance, int year, CancellationToken cancellationToken)
    {
        if (await db.Occurrences.FirstOrDefaultAsync(o => o.ObservanceId == observance.Id && o.Year == year, cancellationToken) is { } existing)
        {
            return (existing, false);
        }
        var now = clock.GetUtcNow();
        var occurrence = new Occurrence
        {
            Id = Guid.CreateVersion7(now),
            ObservanceId = observance.Id,
            Year = year,
            LocalDate = SilenceMoments.DateIn(observance.Rule, year),
            SilenceAt = SilenceMoments.ReferenceInstant(observance.Rule, year),
            CreatedAt = now,
        };
        db.Occurrences.Add(occurrence);
        if (observance.HostVenueId is { } hostId && await db.Venues.FirstOrDefaultAsync(v => v.Id == hostId, cancellationToken) is { } host)
        {
            await AddVenueAsync(observance, occurrence, host, cancellationToken);
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return (occurrence, true);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            db.ChangeTracker.Clear();
            return (await db.Occurrences.SingleAsync(o => o.ObservanceId == observance.Id && o.Year == year, cancellationToken), false);
        }
    }

    public async Task<JoinOutcome> JoinAsync(Observance observance, Occurrence occurrence, Venue venue, CancellationToken cancellationToken)
    {
        if (await db.OccurrenceVenues.AnyAsync(p => p.OccurrenceId == occurrence.Id && p.VenueId == venue.Id, cancellationToken))
        {
            return JoinOutcome.AlreadyIn;
        }
        if (await AddVenueAsync(observance, occurrence, venue, cancellationToken) is null)
        {
            return JoinOutcome.Over;
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return JoinOutcome.Joined;
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            db.ChangeTracker.Clear();
            return JoinOutcome.AlreadyIn;
        }
    }

    // The venue's minute on its own clock, its signals and its people's mails, added to the context
    // (not saved). Null when the venue's minute has already ended.
    private async Task<OccurrenceVenue?> AddVenueAsync(Observance observance, Occurrence occurrence, Venue venue, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var silence = SilenceMoments.ForVenue(observance.Rule, occurrence.Year, venue.TimeZone);
        var endsAt = silence.Instant.AddSeconds(observance.SilenceSeconds);
        if (endsAt <= now)
        {
            return null;
        }
        var participant = new OccurrenceVenue
        {
            OccurrenceId = occurrence.Id,
            VenueId = venue.Id,
            TimeZone = venue.TimeZone,
            LocalDate = silence.LocalDate,
            LocalTime = silence.LocalTime,
            BeginsAt = silence.Instant,
            EndsAt = endsAt,
            DifferentDay = silence.DifferentDay,
            TimeRule = silence.Rule,
            JoinedAt = now,
        };
        db.OccurrenceVenues.Add(participant);
        var people = await db.VenuePeopleAddressesAsync(venue.Id, cancellationToken);
        foreach (var planned in SignalPlan.For(observance, silence.Instant, now))
        {
            db.SignalDeliveries.Add(new SignalDelivery
            {
                Id = Guid.CreateVersion7(now),
                OccurrenceId = occurrence.Id,
                VenueId = venue.Id,
                Signal = planned.Signal,
                DueAt = planned.DueAt,
                DeadlineAt = planned.DeadlineAt,
            });
            MailPeople(observance, occurrence, venue, participant, planned, people, now, MailPlanning.First);
        }
        return participant;
    }

    // A venue moved to another zone: its minutes still ahead follow its new clock, in the caller's save.
    public async Task VenueZoneChangedAsync(Venue venue, CancellationToken cancellationToken) => await ReplanAsync(venue.Id, cancellationToken);

    // The minutes still ahead computed again from each venue's zone as it is now (the venue moved to
    // another zone, or the zone's rules changed with an update of the time-zone data): its local
    // date and time and the instant; the signals not yet sent, due by the new instant (one whose
    // moment has passed under the new clock is cancelled); the mails not yet sent, replaced by
    // mails with the new time; and where the notice already went out with the old time, a notice
    // of the change at once. Added to the context, not saved. Returns how many minutes moved.
    public async Task<int> ReplanAsync(Guid? venueId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var ahead = await (
            from p in db.OccurrenceVenues
            join o in db.Occurrences on p.OccurrenceId equals o.Id
            join ob in db.Observances on o.ObservanceId equals ob.Id
            join v in db.Venues on p.VenueId equals v.Id
            where p.EndsAt > now && (venueId == null || p.VenueId == venueId)
            select new { Participant = p, Occurrence = o, Observance = ob, Venue = v }).ToListAsync(cancellationToken);
        var moved = 0;
        foreach (var row in ahead)
        {
            var (participant, occurrence, observance, venue) = (row.Participant, row.Occurrence, row.Observance, row.Venue);
            occurrence.SilenceAt = SilenceMoments.ReferenceInstant(observance.Rule, occurrence.Year);
            var silence = SilenceMoments.ForVenue(observance.Rule, occurrence.Year, venue.TimeZone);
            if (participant.TimeZone == silence.Zone && participant.BeginsAt == silence.Instant && participant.LocalDate == silence.LocalDate
                && participant.LocalTime == silence.LocalTime && participant.DifferentDay == silence.DifferentDay && participant.TimeRule == silence.Rule)
            {
                continue;
            }
            moved++;
            participant.TimeZone = silence.Zone;
            participant.LocalDate = silence.LocalDate;
            participant.LocalTime = silence.LocalTime;
            participant.BeginsAt = silence.Instant;
            participant.EndsAt = silence.Instant.AddSeconds(observance.SilenceSeconds);
            participant.DifferentDay = silence.DifferentDay;
            participant.TimeRule = silence.Rule;
            var plan = SignalPlan.For(observance, silence.Instant, now).ToDictionary(s => s.Signal);
            foreach (var delivery in await db.SignalDeliveries
                .Where(d => d.OccurrenceId == occurrence.Id && d.VenueId == venue.Id && d.State == DeliveryState.Pending).ToListAsync(cancellationToken))
            {
                if (plan.TryGetValue(delivery.Signal, out var planned))
                {
                    (delivery.DueAt, delivery.DeadlineAt) = (planned.DueAt, planned.DeadlineAt);
                }
                else
                {
                    delivery.State = DeliveryState.Cancelled;
                }
            }
            var mails = await db.Outbox.Where(m => m.IdempotencyKey.StartsWith(SilenceMails.KeyPrefix(occurrence, venue, Signal.Notice))
                    || m.IdempotencyKey.StartsWith(SilenceMails.KeyPrefix(occurrence, venue, Signal.Prepare)))
                .Where(m => m.State == OutboxState.Pending || m.State == OutboxState.Sent).ToListAsync(cancellationToken);
            var unsent = mails.Where(m => m.State == OutboxState.Pending).ToList();
            foreach (var mail in unsent)
            {
                mail.State = OutboxState.Cancelled;
            }
            var people = await db.VenuePeopleAddressesAsync(venue.Id, cancellationToken);
            foreach (var planned in plan.Values)
            {
                var prefix = SilenceMails.KeyPrefix(occurrence, venue, planned.Signal);
                if (unsent.Any(m => m.IdempotencyKey.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    MailPeople(observance, occurrence, venue, participant, planned, people, now, MailPlanning.Replanned);
                }
                else if (planned.Signal == Signal.Notice && mails.Any(m => m.State == OutboxState.Sent && m.IdempotencyKey.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    MailPeople(observance, occurrence, venue, participant, planned with { DueAt = now }, people, now, MailPlanning.Changed);
                }
            }
        }
        return moved;
    }

    private void MailPeople(
        Observance observance, Occurrence occurrence, Venue venue, OccurrenceVenue participant, PlannedSignal planned, List<string> people, DateTimeOffset now,
        MailPlanning planning)
    {
        if (planned.Signal is not (Signal.Notice or Signal.Prepare))
        {
            return;
        }
        foreach (var to in people)
        {
            db.Outbox.Add(SilenceMails.Message(observance, occurrence, venue, participant, planned, to, now, planning));
        }
    }
}
