using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

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
public sealed class OccurrencePlanning(CeremoniesDb db, TimeProvider clock, IOptions<SiteOptions> site) : IVenueClockDependent
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
    public async Task VenueZoneChangedAsync(Venue venue, CancellationToken cancellationToken) =>
        await ReplanAsync(venueId: venue.Id, cancellationToken: cancellationToken);

    // The minutes still ahead computed again from the observance's rule and each venue's zone as they
    // are now (an admin changed the rule, a venue moved to another zone, or a zone's rules changed
    // with an update of the time-zone data): the occurrence's date and instant; each venue's local
    // date and time and instant; its signals not yet sent, due by the new plan (one whose moment has
    // passed under it is cancelled); its mails not yet sent, replaced by mails that say the new
    // time; and where the notice already went out with the old time, a notice of the change at
    // once. Added to the context, not saved. Returns how many venues' minutes moved.
    public async Task<int> ReplanAsync(Guid? venueId = null, Guid? observanceId = null, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        foreach (var row in await db.Occurrences.Join(db.Observances, o => o.ObservanceId, ob => ob.Id, (o, ob) => new { Occurrence = o, Observance = ob })
            .Where(r => r.Occurrence.SilenceAt > now.AddDays(-2) && (observanceId == null || r.Occurrence.ObservanceId == observanceId))
            .ToListAsync(cancellationToken))
        {
            row.Occurrence.LocalDate = SilenceMoments.DateIn(row.Observance.Rule, row.Occurrence.Year);
            row.Occurrence.SilenceAt = SilenceMoments.ReferenceInstant(row.Observance.Rule, row.Occurrence.Year);
        }
        var ahead = await (
            from p in db.OccurrenceVenues
            join o in db.Occurrences on p.OccurrenceId equals o.Id
            join ob in db.Observances on o.ObservanceId equals ob.Id
            join v in db.Venues on p.VenueId equals v.Id
            where p.EndsAt > now && (venueId == null || p.VenueId == venueId) && (observanceId == null || o.ObservanceId == observanceId)
            select new { Participant = p, Occurrence = o, Observance = ob, Venue = v }).ToListAsync(cancellationToken);
        // The signals not yet sent of all of them, in one query.
        var occurrenceIds = ahead.Select(r => r.Occurrence.Id).Distinct().ToArray();
        var venueIds = ahead.Select(r => r.Venue.Id).Distinct().ToArray();
        var unsentSignals = (await db.SignalDeliveries
                .Where(d => d.State == DeliveryState.Pending && occurrenceIds.Contains(d.OccurrenceId) && venueIds.Contains(d.VenueId))
                .ToListAsync(cancellationToken))
            .ToLookup(d => (d.OccurrenceId, d.VenueId));
        var moved = new List<(Observance Observance, Occurrence Occurrence, Venue Venue, OccurrenceVenue Participant, Dictionary<Signal, PlannedSignal> Plan)>();
        foreach (var row in ahead)
        {
            var (participant, occurrence, observance, venue) = (row.Participant, row.Occurrence, row.Observance, row.Venue);
            var silence = SilenceMoments.ForVenue(observance.Rule, occurrence.Year, venue.TimeZone);
            var plan = SignalPlan.For(observance, silence.Instant, now).ToDictionary(s => s.Signal);
            var pending = unsentSignals[(occurrence.Id, venue.Id)].ToList();
            var same = participant.TimeZone == silence.Zone && participant.BeginsAt == silence.Instant && participant.LocalDate == silence.LocalDate
                && participant.LocalTime == silence.LocalTime && participant.DifferentDay == silence.DifferentDay && participant.TimeRule == silence.Rule
                && participant.EndsAt == silence.Instant.AddSeconds(observance.SilenceSeconds)
                && pending.All(d => plan.TryGetValue(d.Signal, out var p) && d.DeadlineAt == p.DeadlineAt
                    // due as planned, or already due (planned late or waiting for a retry)
                    && (d.DueAt == p.DueAt || d.Attempts > 0 || (d.DueAt <= now && p.DueAt <= now)));
            if (same)
            {
                continue;
            }
            moved.Add((observance, occurrence, venue, participant, plan));
            participant.TimeZone = silence.Zone;
            participant.LocalDate = silence.LocalDate;
            participant.LocalTime = silence.LocalTime;
            participant.BeginsAt = silence.Instant;
            participant.EndsAt = silence.Instant.AddSeconds(observance.SilenceSeconds);
            participant.DifferentDay = silence.DifferentDay;
            participant.TimeRule = silence.Rule;
            foreach (var delivery in pending)
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
        }
        if (moved.Count == 0)
        {
            return 0;
        }
        // Their mails and their people, a query for each occurrence and one for all, not one a venue:
        // an observance edited with thousands of venues taking part moves them all.
        var mails = new List<OutboxMessage>();
        foreach (var occurrence in moved.Select(m => m.Occurrence).DistinctBy(o => o.Id))
        {
            var prefix = SilenceMails.KeyPrefix(occurrence);
            mails.AddRange(await db.Outbox.Where(m => m.IdempotencyKey.StartsWith(prefix))
                .Where(m => m.State == OutboxState.Pending || m.State == OutboxState.Sent).ToListAsync(cancellationToken));
        }
        var people = await db.VenuesPeopleAddressesAsync(moved.Select(m => m.Venue.Id).Distinct().ToList(), cancellationToken);
        foreach (var (observance, occurrence, venue, participant, plan) in moved)
        {
            var prefix = SilenceMails.KeyPrefix(occurrence, venue);
            ReplanMails(observance, occurrence, venue, participant, plan,
                mails.Where(m => m.IdempotencyKey.StartsWith(prefix, StringComparison.Ordinal)).ToList(), people[venue.Id].ToList(), now);
        }
        return moved.Count;
    }

    private void ReplanMails(
        Observance observance, Occurrence occurrence, Venue venue, OccurrenceVenue participant, Dictionary<Signal, PlannedSignal> plan,
        List<OutboxMessage> mails, List<string> people, DateTimeOffset now)
    {
        var unsent = mails.Where(m => m.State == OutboxState.Pending).ToList();
        foreach (var mail in unsent)
        {
            mail.State = OutboxState.Cancelled;
        }
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
            db.Outbox.Add(SilenceMails.Message(observance, occurrence, venue, participant, planned, to, now, site.Value, planning));
        }
    }
}
