using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ceremonies.Infrastructure.Scheduling;

// For a web-only process: it runs no jobs itself, so what matters is that some node of the
// cluster does. Without one, requests still work but emails and announcements wait.
internal sealed class ClusterHealthCheck(IServiceScopeFactory scopes) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var nodes = await scope.ServiceProvider.GetRequiredService<ClusterNodes>().ListAsync(cancellationToken);
        var live = nodes.Count(n => n.IsLive);
        return live > 0
            ? HealthCheckResult.Healthy($"scheduler off in this process; {live} live scheduler node(s) in the cluster")
            : HealthCheckResult.Degraded("scheduler off in this process and no live scheduler node in the cluster: jobs are waiting");
    }
}
