using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Venues;

// A venue's staff list is seen by its own staff, managers and admins; managers and admins add and
// remove staff. Venues are public, so anyone else is told 403 (an unknown venue is a 404).
public static class StaffEndpoints
{
    public static RouteGroupBuilder MapVenueStaff(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/venues/{id:guid}/staff").WithTags("Venues").RequireAuthorization();
        group.MapGet("/", List);
        group.MapPost("/", Add);
        group.MapDelete("/{userId:guid}", Remove);
        return group;
    }

    public static async Task<Results<Ok<List<StaffMemberView>>, ProblemHttpResult>> List(
        Guid id, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization, CancellationToken cancellationToken)
    {
        if (!await db.Venues.AnyAsync(v => v.Id == id, cancellationToken))
        {
            return Problems.NotFound("venue");
        }
        if (!await authorization.IsMemberAsync(user, id))
        {
            return Problems.Forbidden("Only the venue's staff see its staff list.");
        }
        return TypedResults.Ok(await Members(db, id).ToListAsync(cancellationToken));
    }

    public static async Task<Results<Created<StaffMemberView>, ProblemHttpResult, ValidationProblem>> Add(
        Guid id, StaffRequest request, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        UserManager<IdentityUser<Guid>> users, TimeProvider clock, CancellationToken cancellationToken)
    {
        var venue = await db.Venues.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (venue is null)
        {
            return Problems.NotFound("venue");
        }
        if (!await authorization.IsManagerAsync(user, id))
        {
            return Problems.Forbidden("Only the venue's managers and admins change its staff.");
        }
        var member = await users.FindByEmailAsync(request.Email);
        if (member is null)
        {
            return Problems.Invalid("email", "No account uses this address. Ask the person to register first, then add them.");
        }
        if (await db.VenueMemberships.AnyAsync(m => m.VenueId == id && m.UserId == member.Id, cancellationToken))
        {
            return Problems.Conflict("This person is already on the venue's staff.", "Remove them first to change their role.");
        }
        var now = clock.GetUtcNow();
        var membership = new VenueMembership { VenueId = id, UserId = member.Id, Role = request.Role!.Value, CreatedAt = now };
        var view = new StaffMemberView(member.Id, member.Email ?? request.Email, membership.Role);
        db.VenueMemberships.Add(membership);
        db.Audit(user, "venue.staff.added", "venue", id, null, view, now);
        // An account whose address was never confirmed may carry someone else's: it gets no mail.
        if (member.EmailConfirmed)
        {
            db.Outbox.Add(OutboxMessage.Email(
                $"venue-staff-added:{id}:{member.Id}:{now.ToUnixTimeMilliseconds()}", view.Email,
                $"You were added to {venue.Name} as {membership.Role.ToString().ToLowerInvariant()}",
                $"""
                {user.Identity?.Name} added you to the staff of {venue.Name} ({venue.City}) as {membership.Role.ToString().ToLowerInvariant()}.

                Sign in to Ceremonies to see the venue and its halls.
                """,
                null, now));
        }
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/venues/{id}/staff/{member.Id}", view);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Remove(
        Guid id, Guid userId, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!await db.Venues.AnyAsync(v => v.Id == id, cancellationToken))
        {
            return Problems.NotFound("venue");
        }
        if (!await authorization.IsManagerAsync(user, id))
        {
            return Problems.Forbidden("Only the venue's managers and admins change its staff.");
        }
        var membership = await db.VenueMemberships.FirstOrDefaultAsync(m => m.VenueId == id && m.UserId == userId, cancellationToken);
        if (membership is null)
        {
            return Problems.NotFound("staff member");
        }
        if (membership.Role == VenueRole.Manager
            && await db.VenueMemberships.CountAsync(m => m.VenueId == id && m.Role == VenueRole.Manager, cancellationToken) == 1)
        {
            return Problems.Conflict("This is the venue's last manager.", "Add another manager before removing this one.");
        }
        var view = await Members(db, id, userId).FirstAsync(cancellationToken);
        db.VenueMemberships.Remove(membership);
        db.Audit(user, "venue.staff.removed", "venue", id, view, null, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    internal static IQueryable<StaffMemberView> Members(CeremoniesDb db, Guid venueId, Guid? userId = null) =>
        db.VenueMemberships.AsNoTracking()
            .Where(m => m.VenueId == venueId && (userId == null || m.UserId == userId))
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { u.Id, u.Email, m.Role })
            .OrderBy(m => m.Email)
            .Select(m => new StaffMemberView(m.Id, m.Email ?? "", m.Role));
}
