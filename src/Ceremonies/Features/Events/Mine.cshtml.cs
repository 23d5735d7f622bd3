using Ceremonies.Data;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Events;

// The organizer's dashboard: their events in every state, what a moderator said, and the way to
// each event's page, its form and its attendee list.
[Authorize]
public sealed class MineModel(CeremoniesDb db, TimeProvider clock) : PageModel
{
    public IReadOnlyList<CommunityEvent> Events { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Now = clock.GetUtcNow();
        if (User.UserId is { } me)
        {
            Events = await db.Events.AsNoTracking().OrganizedBy(me).Take(500).ToListAsync(cancellationToken);
        }
    }
}
