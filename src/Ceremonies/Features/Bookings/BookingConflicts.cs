using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Time;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Bookings;

public sealed record ConflictView(TimeView WantedStart, TimeView WantedEnd, Guid? BookingId, string? Title, TimeView Start, TimeView End, string Why);

// Why a slot is refused, in words a person can act on: what is in the way (its time; its title
// only to the venue's staff) and the next time the same booking would fit.
internal static class BookingConflicts
{
    public static async Task<List<(Booking Wanted, Booking InTheWay)>> CollisionsAsync(
        CeremoniesDb db, Guid hallId, IReadOnlyList<Booking> wanted, CancellationToken cancellationToken)
    {
        var from = wanted.Min(b => b.OccupiedFrom);
        var until = wanted.Max(b => b.OccupiedUntil);
        var ids = wanted.Select(b => b.Id).ToList();
        var live = await db.Bookings.AsNoTracking()
            .Where(b => b.HallId == hallId && !ids.Contains(b.Id)
                && (b.State == BookingState.Requested || b.State == BookingState.Confirmed)
                && b.OccupiedFrom < until && from < b.OccupiedUntil)
            .ToListAsync(cancellationToken);
        return [.. wanted.SelectMany(w => live.Where(l => l.OccupiedFrom < w.OccupiedUntil && w.OccupiedFrom < l.OccupiedUntil).Select(l => (w, l)))];
    }

    public static async Task<ProblemHttpResult> TakenAsync(
        CeremoniesDb db, HallContext context, IReadOnlyList<Booking> wanted, List<(Booking Wanted, Booking InTheWay)> collisions,
        bool staff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var first = wanted[0];
        var next = await NextFreeAsync(db, context, first, now, cancellationToken);
        var conflicts = collisions.Select(c => new ConflictView(
            Time(c.Wanted.LocalStart, c.Wanted), Time(c.Wanted.LocalEnd, c.Wanted),
            staff ? c.InTheWay.Id : null, staff ? c.InTheWay.Title : null,
            TimeView.Of(ZonedTime.ToLocal(c.InTheWay.OccupiedFrom, context.TimeZone), context.TimeZone, c.InTheWay.OccupiedFrom),
            TimeView.Of(ZonedTime.ToLocal(c.InTheWay.OccupiedUntil, context.TimeZone), context.TimeZone, c.InTheWay.OccupiedUntil),
            c.InTheWay.State == BookingState.Requested ? "requested" : "booked")).ToList();
        var detail = conflicts.Count == 0
            ? $"{context.Hall.Name} was taken a moment ago. Look at its calendar again."
            : string.Join(" ", conflicts.Take(3).Select(c =>
                $"{context.Hall.Name} is {(c.Title is null ? "busy" : $"{c.Why} for \u201c{c.Title}\u201d")} from {Short(c.Start.Local)} to {Short(c.End.Local)} ({context.TimeZone}), setup and teardown included."))
              + (conflicts.Count > 3 ? $" And {conflicts.Count - 3} more." : "");
        var problem = TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: wanted.Count > 1 ? $"{conflicts.Select(c => c.WantedStart.Local).Distinct().Count()} date(s) of this series are taken." : "This time is taken.",
            detail: detail + (next is { } n ? $" The next free time of the same length is {Short(n.Start.Local)}–{Short(n.End.Local)} ({context.TimeZone})." : ""),
            type: ProblemTypes.Conflict,
            extensions: new Dictionary<string, object?>
            {
                ["conflicts"] = conflicts,
                ["nextFreeSlot"] = next is { } s ? new SlotView(TimeView.Of(s.Start.Local, s.Start.Zone, s.Start.Instant), TimeView.Of(s.End.Local, s.End.Zone, s.End.Instant)) : null,
            });
        return problem;
    }

    // The database refused the bookings: say whether another booking or a closure is in the way.
    public static async Task<ProblemHttpResult> RefusalAsync(
        CeremoniesDb db, HallContext context, IReadOnlyList<Booking> wanted, string? constraint, bool staff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (constraint == Booking.NotInBlackoutConstraint)
        {
            var from = wanted.Min(b => b.OccupiedFrom);
            var until = wanted.Max(b => b.OccupiedUntil);
            var blackouts = await db.Blackouts.AsNoTracking()
                .Where(b => b.HallId == context.Hall.Id && b.StartsAt < until && from < b.EndsAt)
                .ToListAsync(cancellationToken);
            return Closed(context, [.. wanted.SelectMany(w => blackouts.Where(x => x.StartsAt < w.OccupiedUntil && w.OccupiedFrom < x.EndsAt).Select(x => (w, x)))]);
        }
        var collisions = await CollisionsAsync(db, context.Hall.Id, wanted, cancellationToken);
        return await TakenAsync(db, context, wanted, collisions, staff, now, cancellationToken);
    }

    public static ProblemHttpResult Closed(HallContext context, List<(Booking Wanted, Blackout Blackout)> closed) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "The hall is closed at this time.",
            detail: closed.Count == 0
                ? $"{context.Hall.Name} was closed a moment ago. Look at its calendar again."
                : string.Join(" ", closed.Select(c => c.Blackout).DistinctBy(b => b.Id).Select(b =>
                    $"{context.Hall.Name} is closed from {Short(b.LocalStart)} to {Short(b.LocalEnd)} ({b.TimeZone}): {b.Reason}.")),
            type: ProblemTypes.Conflict,
            extensions: new Dictionary<string, object?>
            {
                ["closures"] = closed.Select(c => BlackoutView.Of(c.Blackout)).DistinctBy(b => b.Id).ToList(),
            });

    // A request past its hold still blocks until it is marked expired: mark the ones in the way.
    public static async Task<bool> ExpireOverdueAsync(CeremoniesDb db, Guid hallId, IReadOnlyList<Booking> wanted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var from = wanted.Min(b => b.OccupiedFrom);
        var until = wanted.Max(b => b.OccupiedUntil);
        var overdue = await db.Bookings
            .Where(b => b.HallId == hallId && b.State == BookingState.Requested && b.ExpiresAt <= now
                && b.OccupiedFrom < until && from < b.OccupiedUntil)
            .ToListAsync(cancellationToken);
        if (overdue.Count == 0)
        {
            return false;
        }
        await ExpireAsync(db, overdue, now, cancellationToken);
        return true;
    }

    public static async Task ExpireAsync(CeremoniesDb db, List<Booking> overdue, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var halls = await db.Halls.AsNoTracking().Where(h => overdue.Select(b => b.HallId).Contains(h.Id))
            .Join(db.Venues, h => h.VenueId, v => v.Id, (h, v) => new { h.Id, h.Name, Venue = v.Name })
            .ToDictionaryAsync(h => h.Id, cancellationToken);
        foreach (var booking in overdue)
        {
            var before = BookingView.Of(booking);
            booking.MoveTo(BookingState.Expired, null, "No decision was made before the request's hold ended.", now);
            db.Audit(null, "system: request expiry", "booking.expired", "booking", booking.Id, before, BookingView.Of(booking), now);
            var hall = halls[booking.HallId];
            await BookingMails.SendToRequesterAsync(db, booking, hall.Name, hall.Venue, "expired", now, cancellationToken,
                "The venue's staff did not decide in time, so the time is free again. You may request it anew.");
        }
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    private static async Task<ZonedSpan?> NextFreeAsync(CeremoniesDb db, HallContext context, Booking wanted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var horizon = wanted.StartsAt.AddDays(15);
        var from = wanted.OccupiedFrom.AddDays(-1);
        var taken = await db.Bookings.AsNoTracking()
            .Where(b => b.HallId == context.Hall.Id && (b.State == BookingState.Requested || b.State == BookingState.Confirmed)
                && b.OccupiedFrom < horizon && from < b.OccupiedUntil)
            .Select(b => new { From = b.OccupiedFrom, Until = b.OccupiedUntil })
            .ToListAsync(cancellationToken);
        var closed = await db.Blackouts.AsNoTracking()
            .Where(b => b.HallId == context.Hall.Id && b.StartsAt < horizon && from < b.EndsAt)
            .Select(b => new { From = b.StartsAt, Until = b.EndsAt })
            .ToListAsync(cancellationToken);
        return FreeSlots.Next(context.Hall, context.TimeZone, wanted.LocalStart, wanted.EndsAt - wanted.StartsAt,
            [.. taken.Concat(closed).Select(t => (t.From, t.Until))], now);
    }

    private static TimeView Time(DateTime local, Booking booking) =>
        TimeView.Of(local, booking.TimeZone, local == booking.LocalStart ? booking.StartsAt : booking.EndsAt);

    private static string Short(DateTime local) => local.ToString("ddd d MMM HH:mm", CultureInfo.InvariantCulture);
}
