using System.Security.Claims;

namespace Ceremonies.Infrastructure.Security;

// The signed-in person as the features ask about them.
public static class CurrentUser
{
    extension(ClaimsPrincipal user)
    {
        // Null when nobody is signed in.
        public Guid? UserId => Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

        public bool IsAdmin => user.IsInRole(Roles.Admin);

        // Moderators, and admins, who may do everything.
        public bool IsModerator => user.IsInRole(Roles.Moderator) || user.IsInRole(Roles.Admin);
    }
}
