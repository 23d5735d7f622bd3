using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Caching;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ceremonies.Features.Bookings;

// Booking a hall. Any signed-in person may book: the venue's staff (and admins) book directly,
// everyone else requests and the staff decide. A hall's busy times are public; its bookings are
// seen in full by the venue's staff and by the person who asked for each.
public static class BookingEndpoints
{
    public static RouteGroupBuilder MapBookings(this IEndpointRouteBuilder app)
    {
        var halls = app.MapGroup("/api/halls/{hallId:guid}").WithTags("Bookings");
        halls.MapGet("/bookings", ListForHall).RequireAuthorization();
        halls.MapPost("/bookings", Create).RequireAuthorization();
        halls.MapGet("/busy", Busy).AllowAnonymous();

        var bookings = app.MapGroup("/api/bookings").WithTags("Bookings").RequireAuthorization();
        bookings.MapGet("/mine", Mine);
        bookings.MapGet("/requests", Requests);
        bookings.MapGet("/{id:guid}", Get);
        bookings.MapPatch("/{id:guid}", BookingDecisions.Change);
        bookings.MapPost("/{id:guid}/confirm", BookingDecisions.Confirm);
        bookings.MapPost("/{id:guid}/decline", BookingDecisions.Decline);
        bookings.MapPost("/{id:guid}/cancel", BookingDecisions.Cancel);
        return halls;
    }

    public static async Task<Results<Created<BookingView>, Created<List<BookingView>>, ProblemHttpResult, ValidationProblem>> Create(
        Guid hallId, BookingRequest request, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        TimeProvider clock, IOptions<BookingOptions> options, ReferenceCache cache, CancellationToken cancellationToken)
    {
        var requester = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!); // authenticated: the id claim is always there
        // The hall, its venue and the requester's membership rarely change: read from memory when
        // possible, so the booking itself is the only round trip to PostgreSQL.
        var context = await cache.GetOrLoadAsync(new HallAccessKey(hallId, requester), (db, hallId, requester),
            static (s, ct) => s.db.HallContextAsync(s.hallId, ct, s.requester), cancellationToken);
        if (context is null)
        {
            return Problems.NotFound("hall");
        }
        var (hall, zone) = (context.Hall, context.TimeZone);
        var staff = await authorization.IsMemberAsync(user, hall.VenueId, context.Role);
        var now = clock.GetUtcNow();
        var (span, refusals) = BookingRules.Resolve(request.Start, request.End, zone);
        if (span is null)
        {
            return Invalid(refusals);
        }
        var spans = new List<Infrastructure.Time.ZonedSpan> { span.Value };
        if (request.Repeat is { } repeat)
        {
            spans.Clear();
            foreach (var (start, end) in Series.Expand(span.Value.Start.Local, span.Value.End.Local, repeat))
            {
                var (occurrence, skipped) = BookingRules.Resolve(start, end, zone);
                refusals.AddRange(skipped.Select(r => r with { Message = $"{start:yyyy-MM-dd}: {r.Message}" }));
                if (occurrence is { } o)
                {
                    spans.Add(o);
                }
            }
        }
        foreach (var s in spans)
        {
            var prefix = spans.Count > 1 ? $"{s.Start.Local:yyyy-MM-dd}: " : "";
            refusals.AddRange(BookingRules.Check(hall, s, request.Attendees, now, staff).Select(r => r with { Message = prefix + r.Message }));
        }
        if (refusals.Count > 0)
        {
            return Invalid(refusals);
        }

        var seriesId = spans.Count > 1 ? Guid.CreateVersion7(now) : (Guid?)null;
        var created = spans.Select(s => Booking.New(hall, s, request.Title.Trim(), request.Kind!.Value, request.Attendees,
            request.Contact.Trim(), request.Notes?.Trim(), requester, staff, TimeSpan.FromHours(options.Value.RequestHoldHours), now, seriesId)).ToList();

        var views = created.Select(BookingView.Of).ToList(); // the answer, and each booking's audit entry
        // A request that waited past its hold still blocks until it is expired; expire it and try once more.
        for (var attempt = 0; ; attempt++)
        {
            var outcome = await TryInsertAsync(db, context, created, views, user, staff, now, cancellationToken);
            if (outcome is null)
            {
                return created.Count == 1
                    ? TypedResults.Created($"/api/bookings/{created[0].Id}", views[0])
                    : TypedResults.Created($"/api/bookings/mine?series={seriesId}", views);
            }
            if (attempt > 0 || !await BookingConflicts.ExpireOverdueAsync(db, hall.Id, created, now, cancellationToken))
            {
                return outcome;
            }
        }
    }

    // Null when the bookings are in; otherwise the 409 that says what is in the way. PostgreSQL
    // decides: its exclusion constraint keeps live bookings apart, its trigger keeps them out of closures.
    private static async Task<ProblemHttpResult?> TryInsertAsync(
        CeremoniesDb db, HallContext context, List<Booking> bookings, List<BookingView> views, ClaimsPrincipal user, bool staff, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var hall = context.Hall;
        if (bookings.Count > 1)
        {
            // A series goes in whole or not at all, and a refusal names every occurrence in the way.
            var collisions = await BookingConflicts.CollisionsAsync(db, hall.Id, bookings, cancellationToken);
            if (collisions.Count > 0)
            {
                return await BookingConflicts.TakenAsync(db, context, bookings, collisions, staff, now, cancellationToken);
            }
        }
        // The bookings, their audit entries and their mails go to PostgreSQL as one batch, which it
        // runs as one implicit transaction: all of it or none, in one round trip. The bookings come
        // last: when the exclusion constraint refuses one, PostgreSQL skips the rest of the batch, and
        // Npgsql has been seen to lose track of a statement it was auto-preparing among the skipped
        // ones (the next use failed with 26000, "prepared statement does not exist").
        var rows = new List<NpgsqlBatchCommand>(bookings.Count * 2 + 2);
        for (var i = 0; i < bookings.Count; i++)
        {
            rows.Add(AuditEntry.Of(user, staff ? "booking.created" : "booking.requested", "booking", bookings[i].Id, null, views[i], now).Insert());
        }
        var first = bookings[0];
        var series = bookings.Count > 1 ? $"This is the first of {bookings.Count} dates of a series; the others follow the same pattern." : null;
        // The person who asked hears at their account's address (confirmed to sign in), never at the
        // contact typed into the form; the venue's staff hear of a request at theirs.
        if ((user.FindFirstValue(ClaimTypes.Email) ?? await BookingMails.AccountAddressAsync(db, first.RequestedBy, cancellationToken)) is { } asker)
        {
            rows.Add(BookingMails.Message(first, hall.Name, context.VenueName, staff ? "confirmed" : "requested", asker, now, series).Insert());
        }
        if (!staff)
        {
            foreach (var address in await db.VenuePeopleAddressesAsync(hall.VenueId, cancellationToken))
            {
                rows.Add(BookingMails.Message(first, hall.Name, context.VenueName, "request-for-staff", address, now, series).Insert());
            }
        }
        rows.AddRange(bookings.Select(b => b.Insert()));
        try
        {
            await db.InsertAsync(rows, cancellationToken, beforeRetry: () => Booking.LockHallAlone(hall.Id));
            return null;
        }
        catch (PostgresException e) when (e.IsExclusionViolation(Booking.NoOverlapConstraint, Booking.NotInBlackoutConstraint))
        {
            return await BookingConflicts.RefusalAsync(db, context, bookings, e.ConstraintName, staff, now, cancellationToken);
        }
    }

    public static async Task<Results<Ok<BookingView>, ProblemHttpResult>> Get(
        Guid id, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization, HttpResponse response, CancellationToken cancellationToken)
    {
        var booking = await db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (booking is null || !await MaySeeAsync(booking, user, authorization))
        {
            return Problems.NotFound("booking");
        }
        response.Headers.ETag = ETags.For(booking.Version);
        return TypedResults.Ok(BookingView.Of(booking));
    }

    public static async Task<Results<Ok<List<BookingView>>, ProblemHttpResult, ValidationProblem>> ListForHall(
        Guid hallId, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization, TimeProvider clock,
        IOptions<BookingOptions> options, CancellationToken cancellationToken, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        if (await RefuseUnlessStaffOfHallAsync(db, authorization, user, hallId, cancellationToken) is { } refused)
        {
            return refused;
        }
        if (Window(from, to, clock, options.Value) is not ({ } start, { } end))
        {
            return Problems.Invalid("to", $"Give 'from' before 'to', at most {options.Value.MaxQueryDays} days apart, as ISO 8601 instants with an offset.");
        }
        var bookings = await db.Bookings.AsNoTracking()
            .Where(b => b.HallId == hallId && b.StartsAt < end && start < b.EndsAt)
            .OrderBy(b => b.StartsAt)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(bookings.Select(BookingView.Of).ToList());
    }

    public static async Task<Results<Ok<List<BusyView>>, ProblemHttpResult, ValidationProblem>> Busy(
        Guid hallId, CeremoniesDb db, TimeProvider clock, IOptions<BookingOptions> options, CancellationToken cancellationToken,
        DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var zone = await db.Halls.Where(h => h.Id == hallId).Join(db.Venues, h => h.VenueId, v => v.Id, (h, v) => v.TimeZone).FirstOrDefaultAsync(cancellationToken);
        if (zone is null)
        {
            return Problems.NotFound("hall");
        }
        if (Window(from, to, clock, options.Value) is not ({ } start, { } end))
        {
            return Problems.Invalid("to", $"Give 'from' before 'to', at most {options.Value.MaxQueryDays} days apart, as ISO 8601 instants with an offset.");
        }
        return TypedResults.Ok(await BusyAsync(db, hallId, zone, start, end, cancellationToken));
    }

    internal static async Task<List<BusyView>> BusyAsync(CeremoniesDb db, Guid hallId, string zone, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var bookings = await db.Bookings.AsNoTracking()
            .Where(b => b.HallId == hallId && (b.State == BookingState.Requested || b.State == BookingState.Confirmed)
                && b.OccupiedFrom < end && start < b.OccupiedUntil)
            .Select(b => new { b.OccupiedFrom, b.OccupiedUntil })
            .ToListAsync(cancellationToken);
        var blackouts = await db.Blackouts.AsNoTracking()
            .Where(b => b.HallId == hallId && b.StartsAt < end && start < b.EndsAt)
            .Select(b => new { b.StartsAt, b.EndsAt })
            .ToListAsync(cancellationToken);
        TimeView At(DateTimeOffset instant) => TimeView.Of(Infrastructure.Time.ZonedTime.ToLocal(instant, zone), zone, instant);
        return
        [
            .. bookings.Select(b => new BusyView(At(b.OccupiedFrom), At(b.OccupiedUntil), "booked"))
                .Concat(blackouts.Select(b => new BusyView(At(b.StartsAt), At(b.EndsAt), "closed")))
                .OrderBy(b => b.Start.Instant),
        ];
    }

    public static async Task<Ok<List<BookingView>>> Mine(CeremoniesDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var me = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!); // the group requires sign-in
        var bookings = await db.Bookings.AsNoTracking().Where(b => b.RequestedBy == me)
            .OrderByDescending(b => b.StartsAt).Take(500).ToListAsync(cancellationToken);
        return TypedResults.Ok(bookings.Select(BookingView.Of).ToList());
    }

    // The requests waiting for a decision in the venues this person works for (all of them, for admins).
    public static async Task<Ok<List<BookingView>>> Requests(CeremoniesDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var me = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!); // the group requires sign-in
        var admin = user.IsInRole(Infrastructure.Security.Roles.Admin);
        var venues = db.VenueMemberships.Where(m => m.UserId == me).Select(m => m.VenueId);
        var bookings = await db.Bookings.AsNoTracking()
            .Where(b => b.State == BookingState.Requested && (admin || venues.Contains(b.VenueId)))
            .OrderBy(b => b.StartsAt).Take(500).ToListAsync(cancellationToken);
        return TypedResults.Ok(bookings.Select(BookingView.Of).ToList());
    }

    // The venue's staff (and admins) see a hall's full calendar and manage its closures and feeds.
    // Halls are public, so anyone else may know the hall exists and is told 403, not 404.
    internal static async Task<ProblemHttpResult?> RefuseUnlessStaffOfHallAsync(
        CeremoniesDb db, IAuthorizationService authorization, ClaimsPrincipal user, Guid hallId, CancellationToken cancellationToken)
    {
        var venueId = await db.Halls.Where(h => h.Id == hallId).Select(h => (Guid?)h.VenueId).FirstOrDefaultAsync(cancellationToken);
        return venueId is null ? Problems.NotFound("hall")
            : await authorization.IsMemberAsync(user, venueId.Value) ? null
            : Problems.Forbidden("Only the venue's staff see a hall's bookings and manage its closures and calendar feeds.");
    }

    // A thing of a hall that only the venue's staff see (a closure, a feed): to anyone else it does not exist.
    internal static async Task<bool> IsStaffOfHallAsync(
        CeremoniesDb db, IAuthorizationService authorization, ClaimsPrincipal user, Guid hallId, CancellationToken cancellationToken) =>
        await RefuseUnlessStaffOfHallAsync(db, authorization, user, hallId, cancellationToken) is null;

    internal static async Task<bool> MaySeeAsync(Booking booking, ClaimsPrincipal user, IAuthorizationService authorization) =>
        booking.RequestedBy.ToString() == user.FindFirstValue(ClaimTypes.NameIdentifier)
        || await authorization.IsMemberAsync(user, booking.VenueId);

    internal static ValidationProblem Invalid(IEnumerable<Refusal> refusals) =>
        TypedResults.ValidationProblem(
            refusals.GroupBy(r => r.Field).ToDictionary(g => g.Key, g => g.Select(r => r.Message).Distinct().ToArray()),
            title: "This booking cannot be made as it stands.", type: ProblemTypes.Validation);

    private static (DateTimeOffset, DateTimeOffset)? Window(DateTimeOffset? from, DateTimeOffset? to, TimeProvider clock, BookingOptions options)
    {
        var start = from ?? clock.GetUtcNow().Date;
        var end = to ?? start.AddDays(7);
        return end > start && end - start <= TimeSpan.FromDays(options.MaxQueryDays) ? (start, end) : null;
    }
}
