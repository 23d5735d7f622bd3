using Ceremonies.Data;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Bookings;

// A hall with what a booking of it needs: its venue's name and zone, and the asking person's
// membership of the venue (read in the same query).
internal sealed record HallContext(Hall Hall, string VenueName, string TimeZone, VenueRole? Role = null);

// What the cache keeps a HallContext under: it holds this person's membership.
internal readonly record struct HallAccessKey(Guid HallId, Guid UserId);

internal static class HallContexts
{
    // Every booking starts here, so the query is compiled once rather than looked up in EF's cache
    // by its expression tree on each call.
    private static readonly Func<CeremoniesDb, Guid, Guid?, CancellationToken, Task<HallContext?>> HallWithMembership =
        EF.CompileAsyncQuery((CeremoniesDb db, Guid hallId, Guid? userId, CancellationToken _) =>
            db.Set<Hall>().AsNoTracking().Where(h => h.Id == hallId)
                .Join(db.Set<Venue>(), h => h.VenueId, v => v.Id, (h, v) => new HallContext(h, v.Name, v.TimeZone,
                    db.Set<VenueMembership>().Where(m => m.VenueId == v.Id && m.UserId == userId).Select(m => (VenueRole?)m.Role).FirstOrDefault()))
                .FirstOrDefault());

    extension(CeremoniesDb db)
    {
        // Null when there is no such hall.
        public Task<HallContext?> HallContextAsync(Guid hallId, CancellationToken cancellationToken, Guid? userId = null) =>
            HallWithMembership(db, hallId, userId, cancellationToken);
    }
}
