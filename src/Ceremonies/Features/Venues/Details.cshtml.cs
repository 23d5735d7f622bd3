using System.Security.Claims;
using Ceremonies.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Venues;

public sealed class DetailsModel(CeremoniesDb db, IAuthorizationService authorization) : PageModel
{
    public Venue Venue { get; private set; } = null!; // set by OnGetAsync before the page renders

    public IReadOnlyList<Hall> Halls { get; private set; } = [];

    public bool IsMember { get; private set; }

    public bool IsManager { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var venue = await db.Venues.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (venue is null)
        {
            return NotFound();
        }
        Venue = venue;
        Halls = await db.Halls.AsNoTracking().Where(h => h.VenueId == id).OrderBy(h => h.Name).ToListAsync(cancellationToken);
        var role = Guid.TryParse(User.FindFirstValue(ClaimTypes.NameIdentifier), out var me)
            ? await db.RoleInVenueAsync(id, me, cancellationToken)
            : null;
        IsMember = await authorization.IsMemberAsync(User, id, role);
        IsManager = await authorization.IsManagerAsync(User, id, role);
        return Page();
    }
}
