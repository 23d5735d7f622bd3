using Quartz;

namespace Ceremonies.Infrastructure.Scheduling;

public sealed record SchedulerNode(string Instance, DateTimeOffset? LastCheckIn, bool IsLive, bool IsThisProcess);

public sealed class ClusterNodes(ISchedulerFactory schedulers)
{
    // The nodes that have checked in to the clustered store. Quartz also lists the asking process
    // itself, even a web-only one that never checks in: that one is left out.
    public async Task<IReadOnlyList<SchedulerNode>> ListAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var nodes = await scheduler.QueryClusterNodes(cancellationToken);
        return
        [
            .. nodes
                .Where(n => n.LastCheckInUtc is not null)
                .Select(n => new SchedulerNode(n.InstanceId, n.LastCheckInUtc, n.State == ClusterNodeState.Alive, n.IsCurrentNode)),
        ];
    }
}
