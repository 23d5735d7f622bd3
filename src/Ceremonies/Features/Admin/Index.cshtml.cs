using System.Reflection;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure;
using Ceremonies.Infrastructure.Jobs;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Admin;

public sealed record OutboxCounts(int DueNow, int Later, int Sent, int Dead);

// The operators' page, beside the job dashboard: which build runs, which processes run jobs, and
// what the outbox holds. Admins only.
[Authorize(Policy = Policies.Admin)]
public sealed class IndexModel(
    CeremoniesDb db, JobServers servers, TimeProvider clock, NodeIdentity node, IOptions<SchedulerOptions> scheduler) : PageModel
{
    public string Version { get; } = typeof(IndexModel).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public string Node => node.Name;

    public bool SchedulerEnabled => scheduler.Value.Enabled;

    public IReadOnlyList<JobServer> Servers { get; private set; } = [];

    public OutboxCounts Outbox { get; private set; } = new(0, 0, 0, 0);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Servers = servers.List();
        var now = clock.GetUtcNow();
        var counts = await db.Outbox
            .GroupBy(m => new { m.State, Due = m.State == OutboxState.Pending && m.DueAt <= now })
            .Select(g => new { g.Key.State, g.Key.Due, Count = g.Count() })
            .ToListAsync(cancellationToken);
        int Count(OutboxState state, bool due = false) =>
            counts.Where(c => c.State == state && c.Due == due).Sum(c => c.Count);
        Outbox = new OutboxCounts(
            Count(OutboxState.Pending, due: true), Count(OutboxState.Pending), Count(OutboxState.Sent), Count(OutboxState.Dead));
    }
}
