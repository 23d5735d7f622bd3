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
public sealed class OccurrencePlanning(CeremoniesDb db, TimeProvider clock)
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
            if (planned.Signal is Signal.Notice or Signal.Prepare)
            {
                foreach (var to in people)
                {
                    db.Outbox.Add(SilenceMails.Message(observance, occurrence, venue, participant, planned, to, now));
                }
            }
        }
        return participant;
    }
}
