using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Features.Events;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Observances;

public enum BoardAccess
{
    Shown,
    NotFound,
    Forbidden,
}

// Reads shared by the API and the pages.
public static class OccurrenceQueries
{
    public static async Task<OccurrenceView?> ViewAsync(CeremoniesDb db, Guid occurrenceId, CancellationToken cancellationToken)
    {
        var head = await db.Occurrences.AsNoTracking()
            .Where(o => o.Id == occurrenceId)
            .Join(db.Observances, o => o.ObservanceId, s => s.Id, (o, s) => new { Occurrence = o, Observance = s })
            .FirstOrDefaultAsync(cancellationToken);
        if (head is null)
        {
            return null;
        }
        var venues = await ParticipantsAsync(db, occurrenceId, cancellationToken);
        var (o, s) = (head.Occurrence, head.Observance);
        var events = await SilenceEventsAsync(db, o, s.Rule, cancellationToken);
        return new OccurrenceView(o.Id, s.Id, s.Name, o.Year, o.LocalDate, s.SilenceLocalTime, s.ReferenceZone, s.Mode, o.SilenceAt, s.SilenceSeconds,
            venues, events);
    }

    // The community events holding the minute with the occurrence, each at the moment a venue in its
    // zone holds it, in the order they hold it, then by city.
    public static async Task<List<SilenceEventView>> SilenceEventsAsync(CeremoniesDb db, Occurrence occurrence, SilenceRule rule, CancellationToken cancellationToken)
    {
        var events = await db.Events.AsNoTracking().HoldingSilenceOf(occurrence.Id)
            .Select(e => new { e.Id, e.Title, e.OrganizerName, e.City, e.Country, e.TimeZone })
            .ToListAsync(cancellationToken);
        return [.. events
            .Select(e => (Event: e, Silence: SilenceMoments.ForVenue(rule, occurrence.Year, e.TimeZone)))
            .Select(x => new SilenceEventView(x.Event.Id, x.Event.Title, x.Event.OrganizerName, x.Event.City, x.Event.Country, x.Event.TimeZone,
                x.Silence.LocalDate, x.Silence.LocalTime, x.Silence.Instant, x.Silence.DifferentDay, x.Silence.Rule))
            .OrderBy(v => v.BeginsAt).ThenBy(v => v.City, StringComparer.Ordinal).ThenBy(v => v.Title, StringComparer.Ordinal)];
    }

    public static Task<Guid?> IdOfAsync(CeremoniesDb db, Guid observanceId, int year, CancellationToken cancellationToken) =>
        db.Occurrences.Where(o => o.ObservanceId == observanceId && o.Year == year).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(cancellationToken);

    // In the order the venues hold the minute, then by name.
    public static Task<List<ParticipantView>> ParticipantsAsync(CeremoniesDb db, Guid occurrenceId, CancellationToken cancellationToken) =>
        db.OccurrenceVenues.AsNoTracking()
            .Where(p => p.OccurrenceId == occurrenceId)
            .Join(db.Venues, p => p.VenueId, v => v.Id, (p, v) => new { p, v })
            .OrderBy(x => x.p.BeginsAt).ThenBy(x => x.v.Name)
            .Select(x => new ParticipantView(x.v.Id, x.v.Name, x.v.City, x.v.Country, x.p.TimeZone, x.p.LocalDate, x.p.LocalTime,
                x.p.BeginsAt, x.p.EndsAt, x.p.DifferentDay, x.p.TimeRule, x.p.ReadyAt))
            .ToListAsync(cancellationToken);

    public static async Task<BoardView?> BoardAsync(CeremoniesDb db, Guid occurrenceId, CancellationToken cancellationToken)
    {
        if (await ViewAsync(db, occurrenceId, cancellationToken) is not { } occurrence)
        {
            return null;
        }
        var deliveries = (await db.SignalDeliveries.AsNoTracking()
                .Where(d => d.OccurrenceId == occurrenceId)
                .ToListAsync(cancellationToken))
            .ToLookup(d => d.VenueId);
        var ids = occurrence.Venues.Select(v => v.VenueId).ToList();
        var withWebhook = await db.Venues.Where(v => ids.Contains(v.Id) && v.WebhookUrl != null).Select(v => v.Id).ToListAsync(cancellationToken);
        var rows = occurrence.Venues.Select(v => new BoardRow(v, withWebhook.Contains(v.VenueId),
            [.. deliveries[v.VenueId].OrderBy(d => d.Signal).Select(d => new DeliveryView(d.Signal, d.State, d.DueAt, d.Attempts, d.LastStatus, d.LastError, d.DeliveredAt))])).ToList();
        return new BoardView(occurrence.Id, occurrence.ObservanceName, occurrence.Year, occurrence.SilenceAt, rows);
    }

    // Admins, and the managers of a venue taking part.
    // The board for this person: null with NotFound when there is no such occurrence, null with
    // Forbidden when the person is neither an admin nor a manager of a venue taking part.
    public static async Task<(BoardView? Board, BoardAccess Access)> BoardForAsync(
        CeremoniesDb db, Guid occurrenceId, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await BoardAsync(db, occurrenceId, cancellationToken) is not { } board)
        {
            return (null, BoardAccess.NotFound);
        }
        var me = Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : (Guid?)null;
        return await MaySeeBoardAsync(db, occurrenceId, me, user.IsInRole(Roles.Admin), cancellationToken)
            ? (board, BoardAccess.Shown)
            : (null, BoardAccess.Forbidden);
    }

    public static async Task<bool> MaySeeBoardAsync(CeremoniesDb db, Guid occurrenceId, Guid? userId, bool admin, CancellationToken cancellationToken) =>
        admin || (userId is { } me && await db.OccurrenceVenues
            .Where(p => p.OccurrenceId == occurrenceId)
            .Join(db.VenueMemberships.Where(m => m.UserId == me && m.Role == VenueRole.Manager), p => p.VenueId, m => m.VenueId, (p, m) => p)
            .AnyAsync(cancellationToken));
}
