using System.Globalization;
using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Bookings;

// The venue's staff close a hall for a period (maintenance, or the day kept for the official
// ceremony). A closure over live bookings is refused and lists them: they are moved or cancelled first.
public static class BlackoutEndpoints
{
    public static RouteGroupBuilder MapBlackouts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Bookings").RequireAuthorization();
        group.MapGet("/halls/{hallId:guid}/blackouts", List);
        group.MapPost("/halls/{hallId:guid}/blackouts", Create);
        group.MapDelete("/blackouts/{id:guid}", Delete);
        return group;
    }

    public static async Task<Results<Ok<List<BlackoutView>>, ProblemHttpResult>> List(
        Guid hallId, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await BookingEndpoints.RefuseUnlessStaffOfHallAsync(db, authorization, user, hallId, cancellationToken) is { } refused)
        {
            return refused;
        }
        var since = clock.GetUtcNow().AddDays(-31);
        var blackouts = await db.Blackouts.AsNoTracking().Where(b => b.HallId == hallId && b.EndsAt > since)
            .OrderBy(b => b.StartsAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(blackouts.Select(BlackoutView.Of).ToList());
    }

    public static async Task<Results<Created<BlackoutView>, ProblemHttpResult, ValidationProblem>> Create(
        Guid hallId, BlackoutRequest request, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await BookingEndpoints.RefuseUnlessStaffOfHallAsync(db, authorization, user, hallId, cancellationToken) is { } refused)
        {
            return refused;
        }
        var context = (await db.HallContextAsync(hallId, cancellationToken))!; // the hall exists: checked above
        var (span, refusals) = BookingRules.Resolve(request.Start, request.End, context.TimeZone);
        if (span is { } s && s.End.Instant <= s.Start.Instant)
        {
            refusals.Add(new("end", "The end must be after the start."));
        }
        if (span is null || refusals.Count > 0)
        {
            return BookingEndpoints.Invalid(refusals);
        }
        var now = clock.GetUtcNow();
        var blackout = new Blackout
        {
            Id = Guid.CreateVersion7(now),
            HallId = hallId,
            LocalStart = span.Value.Start.Local,
            LocalEnd = span.Value.End.Local,
            TimeZone = context.TimeZone,
            StartsAt = span.Value.Start.Instant,
            EndsAt = span.Value.End.Instant,
            Reason = request.Reason.Trim(),
            CreatedBy = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!), // the group requires sign-in
            CreatedAt = now,
        };
        db.Blackouts.Add(blackout);
        db.Audit(user, "blackout.created", "hall", hallId, null, BlackoutView.Of(blackout), now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsExclusionViolation(Blackout.NotOverBookingsConstraint))
        {
            db.ChangeTracker.Clear();
            var inTheWay = await db.Bookings.AsNoTracking()
                .Where(b => b.HallId == hallId && (b.State == BookingState.Requested || b.State == BookingState.Confirmed)
                    && b.OccupiedFrom < blackout.EndsAt && blackout.StartsAt < b.OccupiedUntil)
                .OrderBy(b => b.StartsAt)
                .ToListAsync(cancellationToken);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: $"{inTheWay.Count} live booking(s) fall in this period.",
                detail: "Move or cancel them first: " + string.Join("; ", inTheWay.Select(b =>
                    $"\u201c{b.Title}\u201d {b.LocalStart.ToString("ddd d MMM HH:mm", CultureInfo.InvariantCulture)}–{b.LocalEnd.ToString("HH:mm", CultureInfo.InvariantCulture)} ({b.TimeZone})")) + ".",
                type: ProblemTypes.Conflict,
                extensions: new Dictionary<string, object?> { ["bookings"] = inTheWay.Select(BookingView.Of).ToList() });
        }
        return TypedResults.Created($"/api/blackouts/{blackout.Id}", BlackoutView.Of(blackout));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization, TimeProvider clock, CancellationToken cancellationToken)
    {
        var blackout = await db.Blackouts.FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (blackout is null || !await BookingEndpoints.IsStaffOfHallAsync(db, authorization, user, blackout.HallId, cancellationToken))
        {
            return Problems.NotFound("blackout");
        }
        db.Blackouts.Remove(blackout);
        db.Audit(user, "blackout.removed", "hall", blackout.HallId, BlackoutView.Of(blackout), null, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
