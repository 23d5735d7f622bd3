using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Bookings;

// What happens to a booking after it is made. The venue's staff confirm, decline, cancel and move
// bookings; the person who asked may cancel theirs, and move it while it is still a request.
// Anyone else is told the booking does not exist.
public static class BookingDecisions
{
    public static Task<Results<Ok<BookingView>, ProblemHttpResult>> Confirm(
        Guid id, DecisionRequest? request, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        TimeProvider clock, CancellationToken cancellationToken) =>
        DecideAsync(id, BookingState.Confirmed, request?.Reason, staffOnly: true, db, user, authorization, clock, cancellationToken);

    public static Task<Results<Ok<BookingView>, ProblemHttpResult>> Decline(
        Guid id, DecisionRequest? request, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        TimeProvider clock, CancellationToken cancellationToken) =>
        DecideAsync(id, BookingState.Declined, request?.Reason, staffOnly: true, db, user, authorization, clock, cancellationToken);

    public static Task<Results<Ok<BookingView>, ProblemHttpResult>> Cancel(
        Guid id, DecisionRequest? request, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        TimeProvider clock, CancellationToken cancellationToken) =>
        DecideAsync(id, BookingState.Cancelled, request?.Reason, staffOnly: false, db, user, authorization, clock, cancellationToken);

    private static async Task<Results<Ok<BookingView>, ProblemHttpResult>> DecideAsync(
        Guid id, BookingState next, string? reason, bool staffOnly, CeremoniesDb db, ClaimsPrincipal user,
        IAuthorizationService authorization, TimeProvider clock, CancellationToken cancellationToken)
    {
        var booking = await db.Bookings.FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (booking is null)
        {
            return Problems.NotFound("booking");
        }
        var (context, staff) = await HallAndStaffAsync(db, booking, user, authorization, cancellationToken);
        if (!staff && booking.RequestedBy != Me(user))
        {
            return Problems.NotFound("booking");
        }
        if (staffOnly && !staff)
        {
            return Problems.Forbidden("The venue's staff decide on requests.");
        }
        if (!booking.CanMoveTo(next))
        {
            return Problems.Conflict($"A {Word(booking.State)} booking cannot be {Word(next)}.");
        }
        var now = clock.GetUtcNow();
        var before = BookingView.Of(booking);
        booking.MoveTo(next, Me(user), reason?.Trim(), now);
        db.Audit(user, $"booking.{Word(next)}", "booking", booking.Id, before, BookingView.Of(booking), now);
        await BookingMails.SendToRequesterAsync(db, booking, context.Hall.Name, context.VenueName, Word(next), now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(BookingView.Of(booking));
    }

    public static async Task<Results<Ok<BookingView>, ProblemHttpResult, ValidationProblem>> Change(
        Guid id, BookingChange change, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        TimeProvider clock, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken cancellationToken)
    {
        var booking = await db.Bookings.FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (booking is null)
        {
            return Problems.NotFound("booking");
        }
        var (context, staff) = await HallAndStaffAsync(db, booking, user, authorization, cancellationToken);
        if (!staff && booking.RequestedBy != Me(user))
        {
            return Problems.NotFound("booking");
        }
        if (!booking.IsLive || (!staff && booking.State != BookingState.Requested))
        {
            return Problems.Forbidden(staff
                ? $"A {Word(booking.State)} booking cannot be changed."
                : "Once decided, a booking is changed by the venue's staff; you may cancel it.");
        }
        if (ETags.IsStale(ifMatch, booking.Version))
        {
            return Problems.Stale();
        }
        var now = clock.GetUtcNow();
        var (span, refusals) = BookingRules.Resolve(change.Start ?? booking.LocalStart, change.End ?? booking.LocalEnd, booking.TimeZone);
        if (span is null)
        {
            return BookingEndpoints.Invalid(refusals);
        }
        var moved = span.Value.Start.Instant != booking.StartsAt || span.Value.End.Instant != booking.EndsAt;
        var attendees = change.Attendees ?? booking.Attendees;
        refusals = [.. BookingRules.Check(context.Hall, span.Value, attendees, now, staff)
            .Where(r => moved || r.Field == "attendees")];
        if (refusals.Count > 0)
        {
            return BookingEndpoints.Invalid(refusals);
        }
        var before = BookingView.Of(booking);
        booking.Title = change.Title?.Trim() ?? booking.Title;
        booking.Kind = change.Kind ?? booking.Kind;
        booking.Attendees = attendees;
        booking.Contact = change.Contact?.Trim() ?? booking.Contact;
        booking.Notes = change.Notes?.Trim() ?? booking.Notes;
        booking.Place(span.Value, context.Hall);
        booking.Sequence++;
        booking.UpdatedAt = now;
        db.Audit(user, moved ? "booking.moved" : "booking.changed", "booking", booking.Id, before, BookingView.Of(booking), now);
        await BookingMails.SendToRequesterAsync(db, booking, context.Hall.Name, context.VenueName, "changed", now, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Stale();
        }
        catch (DbUpdateException e) when (e.IsExclusionViolation(Booking.NoOverlapConstraint, Booking.NotInBlackoutConstraint))
        {
            db.ChangeTracker.Clear();
            return await BookingConflicts.RefusalAsync(db, context, [booking], e.ConstraintName(), staff, now, cancellationToken);
        }
        response.Headers.ETag = ETags.For(booking.Version);
        return TypedResults.Ok(BookingView.Of(booking));
    }

    private static Guid? Me(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    // The booking's hall with the caller's membership of its venue: one query answers who may see,
    // decide and change the booking, and names the hall and venue for the mail.
    private static async Task<(HallContext Context, bool Staff)> HallAndStaffAsync(
        CeremoniesDb db, Booking booking, ClaimsPrincipal user, IAuthorizationService authorization, CancellationToken cancellationToken)
    {
        var context = (await db.HallContextAsync(booking.HallId, cancellationToken, Me(user)))!; // the booking's hall exists (foreign key)
        return (context, await authorization.IsMemberAsync(user, booking.VenueId, context.Role));
    }

    private static string Word(BookingState state) => state.ToString().ToLowerInvariant();
}
