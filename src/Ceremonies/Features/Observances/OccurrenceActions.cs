using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Features.Venues;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Observances;

// What the API and the pages change in occurrences, each step audited and the signal clock woken
// when deliveries were planned. The callers check who may act.
public sealed class OccurrenceActions(
    CeremoniesDb db, OccurrencePlanning planning, SignalsPlanned signalsPlanned, IAuthorizationService authorization, TimeProvider clock)
{
    public async Task<(Occurrence Occurrence, bool Created)> CreateAsync(
        Observance observance, int year, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var (occurrence, created) = await planning.EnsureAsync(observance, year, cancellationToken);
        if (created)
        {
            db.Audit(user, "occurrence.created", "occurrence", occurrence.Id, null, new { observance.Id, year }, clock.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
            signalsPlanned.Poke();
        }
        return (occurrence, created);
    }

    public async Task<JoinOutcome> JoinAsync(Occurrence occurrence, Venue venue, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var observance = await db.Observances.SingleAsync(o => o.Id == occurrence.ObservanceId, cancellationToken);
        var outcome = await planning.JoinAsync(observance, occurrence, venue, cancellationToken);
        if (outcome == JoinOutcome.Joined)
        {
            db.Audit(user, "occurrence.joined", "occurrence", occurrence.Id, null, new { venueId = venue.Id }, clock.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
            signalsPlanned.Poke();
        }
        return outcome;
    }

    // False when the venue does not take part in the occurrence.
    public async Task<bool> AcknowledgeReadinessAsync(Guid occurrenceId, Guid venueId, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var participant = await db.OccurrenceVenues.FirstOrDefaultAsync(p => p.VenueId == venueId && p.OccurrenceId == occurrenceId, cancellationToken);
        if (participant is null)
        {
            return false;
        }
        var now = clock.GetUtcNow();
        participant.ReadyAt = now;
        participant.ReadyBy = user.Identity?.Name;
        db.Audit(user, "occurrence.ready", "occurrence", occurrenceId, null, new { venueId }, now);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    // Of these venues, those whose readiness the person may acknowledge: its staff, its managers, admins.
    public async Task<IReadOnlySet<Guid>> MayAcknowledgeAsync(ClaimsPrincipal user, IEnumerable<Guid> venueIds, CancellationToken cancellationToken)
    {
        var me = Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : (Guid?)null;
        var roles = await db.VenueMemberships.Where(m => m.UserId == me).ToDictionaryAsync(m => m.VenueId, m => (VenueRole?)m.Role, cancellationToken);
        var may = new HashSet<Guid>();
        foreach (var venueId in venueIds)
        {
            if (await authorization.IsMemberAsync(user, venueId, roles.GetValueOrDefault(venueId)))
            {
                may.Add(venueId);
            }
        }
        return may;
    }
}
