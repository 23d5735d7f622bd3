using Hangfire;
using Hangfire.Storage;

namespace Ceremonies.Infrastructure.Jobs;

// At start, a scheduler process writes every declared recurring job to Hangfire's storage (an update
// keeps the job's schedule state, so a firing is not repeated) and removes the ones no longer
// declared, so a renamed or dropped job does not keep firing from an older deployment's entry.
internal sealed partial class RecurringJobsDeclaration(
    IEnumerable<RecurringJobPlan> plans, IRecurringJobManager manager, JobStorage storage, ILogger<RecurringJobsDeclaration> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in plans)
        {
            plan.Declare(manager);
            declared.Add(plan.Id);
        }
        using var connection = storage.GetConnection();
        foreach (var stale in connection.GetRecurringJobs().Select(j => j.Id).Where(id => !declared.Contains(id)))
        {
            manager.RemoveIfExists(stale);
            LogRemoved(stale);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed the recurring job {Job}: no longer declared")]
    private partial void LogRemoved(string job);
}
