using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Venues;

// A venue to check access to. When the caller already read the user's membership (in the same query
// as the data it needs), it passes it along as Known and the check costs no further query.
public sealed record VenueResource(Guid VenueId, bool MembershipKnown = false, VenueRole? Known = null);

public sealed class VenueRequirement(VenueRole minimum) : IAuthorizationRequirement
{
    public VenueRole Minimum { get; } = minimum;
}

// Staff of venue A can never act in venue B: every venue-scoped action is checked against the
// user's membership of that venue. Admins may do everything.
internal sealed class VenueMembershipHandler(CeremoniesDb db) : AuthorizationHandler<VenueRequirement, VenueResource>
{
    protected override async Task HandleRequirementAsync(
        AuthorizationHandlerContext context, VenueRequirement requirement, VenueResource resource)
    {
        if (context.User.IsInRole(Roles.Admin))
        {
            context.Succeed(requirement);
            return;
        }
        if (!Guid.TryParse(context.User.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return;
        }
        var role = resource.MembershipKnown ? resource.Known : await db.RoleInVenueAsync(resource.VenueId, userId, CancellationToken.None);
        if (role >= requirement.Minimum)
        {
            context.Succeed(requirement);
        }
    }
}

public static class VenuePolicies
{
    public const string Member = "venue-member";
    public const string Manager = "venue-manager";

    public static IHostApplicationBuilder AddVenues(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<IAuthorizationHandler, VenueMembershipHandler>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Member, p => p.RequireAuthenticatedUser().AddRequirements(new VenueRequirement(VenueRole.Staff)))
            .AddPolicy(Manager, p => p.RequireAuthenticatedUser().AddRequirements(new VenueRequirement(VenueRole.Manager)));
        return builder;
    }

    // The person's role in the venue, if any: read once and passed to the checks below as knownRole
    // when a page asks more than one of them.
    public static Task<VenueRole?> RoleInVenueAsync(this CeremoniesDb db, Guid venueId, Guid userId, CancellationToken cancellationToken) =>
        db.VenueMemberships.Where(m => m.VenueId == venueId && m.UserId == userId).Select(m => (VenueRole?)m.Role).FirstOrDefaultAsync(cancellationToken);

    public static async Task<bool> IsMemberAsync(this IAuthorizationService authorization, ClaimsPrincipal user, Guid venueId) =>
        (await authorization.AuthorizeAsync(user, new VenueResource(venueId), Member)).Succeeded;

    public static async Task<bool> IsMemberAsync(this IAuthorizationService authorization, ClaimsPrincipal user, Guid venueId, VenueRole? knownRole) =>
        (await authorization.AuthorizeAsync(user, new VenueResource(venueId, MembershipKnown: true, knownRole), Member)).Succeeded;

    public static async Task<bool> IsManagerAsync(this IAuthorizationService authorization, ClaimsPrincipal user, Guid venueId) =>
        (await authorization.AuthorizeAsync(user, new VenueResource(venueId), Manager)).Succeeded;

    public static async Task<bool> IsManagerAsync(this IAuthorizationService authorization, ClaimsPrincipal user, Guid venueId, VenueRole? knownRole) =>
        (await authorization.AuthorizeAsync(user, new VenueResource(venueId, MembershipKnown: true, knownRole), Manager)).Succeeded;
}
