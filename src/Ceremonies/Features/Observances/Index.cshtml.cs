using Ceremonies.Data;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Observances;

public sealed class IndexModel(CeremoniesDb db) : PageModel
{
    public IReadOnlyList<Observance> Observances { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Observances = await db.Observances.AsNoTracking().OrderBy(o => o.Month).ThenBy(o => o.Day).ThenBy(o => o.Name)
            .Take(500).ToListAsync(cancellationToken);
}
