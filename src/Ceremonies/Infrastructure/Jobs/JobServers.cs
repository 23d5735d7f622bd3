using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ceremonies.Infrastructure.Jobs;

public sealed record JobServer(string Name, DateTimeOffset? LastHeartbeat, int Workers, bool IsLive, bool IsThisProcess);

// The Hangfire servers registered in storage: one per scheduler process. A server whose heartbeat
// is older than its timeout is dead (its jobs go to the others) until Hangfire strikes it off.
public sealed class JobServers(JobStorage storage, NodeIdentity node, TimeProvider clock)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    public IReadOnlyList<JobServer> List()
    {
        var now = clock.GetUtcNow();
        return
        [
            .. storage.GetMonitoringApi().Servers().Select(s =>
            {
                DateTimeOffset? heartbeat = s.Heartbeat is { } h ? new DateTimeOffset(DateTime.SpecifyKind(h, DateTimeKind.Utc)) : null;
                return new JobServer(s.Name, heartbeat, s.WorkersCount, heartbeat is { } at && now - at < Timeout,
                    // Hangfire names a server "{name in lower case}:{process id}:{guid}".
                    s.Name.StartsWith(node.Name.ToLowerInvariant() + ":", StringComparison.Ordinal));
            }).OrderBy(s => s.Name, StringComparer.Ordinal),
        ];
    }
}

// A scheduler process is ready when its own server heart-beats; a web-only one when some server of
// the deployment does (without one, requests still work but mails and reminders wait).
internal sealed class JobServersHealthCheck(JobServers servers, Microsoft.Extensions.Options.IOptions<SchedulerOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var list = servers.List();
        var live = list.Count(s => s.IsLive);
        if (options.Value.Enabled)
        {
            return Task.FromResult(list.Any(s => s.IsThisProcess && s.IsLive)
                ? HealthCheckResult.Healthy($"job server of this process is running; {live} live job server(s) in all")
                : HealthCheckResult.Unhealthy("the job server of this process has not checked in"));
        }
        return Task.FromResult(live > 0
            ? HealthCheckResult.Healthy($"jobs off in this process; {live} live job server(s) in the deployment")
            : HealthCheckResult.Degraded("jobs off in this process and no live job server in the deployment: jobs are waiting"));
    }
}
