using System.Reflection;
using Ceremonies.Data;
using Ceremonies.Infrastructure;
using Ceremonies.Infrastructure.Jobs;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Admin;

// The operators' page, beside the job dashboard: which build runs, which processes run jobs, what
// the outbox holds and which messages failed; a given-up message can be retried here, as through the
// API (OutboxOperations). Admins only.
[Authorize(Policy = Policies.Admin)]
public sealed class IndexModel(
    CeremoniesDb db, JobServers servers, TimeProvider clock, NodeIdentity node, IOptions<SchedulerOptions> scheduler) : PageModel
{
    public string Version { get; } = typeof(IndexModel).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public string Node => node.Name;

    public bool SchedulerEnabled => scheduler.Value.Enabled;

    public IReadOnlyList<JobServer> Servers { get; private set; } = [];

    public OutboxReport? Outbox { get; private set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public bool Refused { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Servers = servers.List();
        Outbox = await OutboxOperations.ReadAsync(db, clock.GetUtcNow(), cancellationToken);
    }

    public async Task<IActionResult> OnPostRetryAsync(Guid id, CancellationToken cancellationToken)
    {
        var retry = await OutboxOperations.RetryAsync(db, id, User, clock.GetUtcNow(), cancellationToken);
        Refused = retry.Outcome != RetryOutcome.Retried;
        Message = Refused
            ? OutboxOperations.Refusal(retry)
            : $"The message to {retry.Message?.Recipient} is due again and goes out with the next dispatch.";
        return RedirectToPage(pageName: null, pageHandler: null, routeValues: null, fragment: "outbox");
    }

    public static string Utc(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC" : "—";
}
