using Quartz;

namespace Ceremonies.Infrastructure.Scheduling;

public sealed record SchedulerNode(string Instance, DateTimeOffset? LastCheckIn, bool IsLive, bool IsThisProcess);

public sealed class ClusterNodes(ISchedulerFactory schedulers)
{
    public async Task<IReadOnlyList<SchedulerNode>> ListAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var nodes = await scheduler.QueryClusterNodes(cancellationToken);
        return [.. nodes.Select(n => new SchedulerNode(n.InstanceId, n.LastCheckInUtc, n.State == ClusterNodeState.Alive, n.IsCurrentNode))];
    }
}
