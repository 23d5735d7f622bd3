using Ceremonies.Data;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Venues;

public sealed class IndexModel(CeremoniesDb db) : PageModel
{
    public IReadOnlyList<Venue> Venues { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Venues = await db.Venues.AsNoTracking().OrderBy(v => v.Name).Take(500).ToListAsync(cancellationToken);
}
