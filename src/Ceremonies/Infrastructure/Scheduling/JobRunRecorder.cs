using Ceremonies.Data;
using Quartz;

namespace Ceremonies.Infrastructure.Scheduling;

internal sealed partial class JobRunRecorder(
    IServiceScopeFactory scopes, NodeIdentity node, TimeProvider clock, ILogger<JobRunRecorder> logger) : IJobListener
{
    public string Name => "job-runs";

    public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public async ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CeremoniesDb>();
            db.JobRuns.Add(new JobRun
            {
                Job = context.JobDetail.Key.ToString(),
                FireId = context.FireInstanceId,
                ScheduledFor = context.ScheduledFireTimeUtc,
                FiredAt = context.FireTimeUtc,
                FinishedAt = clock.GetUtcNow(),
                Node = node.Name,
                Succeeded = jobException is null,
                Error = jobException?.InnerException?.Message ?? jobException?.Message,
            });
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The record is for people; losing one must not fail the job or the scheduler.
            LogNotRecorded(e, context.JobDetail.Key.ToString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record a run of job {Job}")]
    private partial void LogNotRecorded(Exception error, string job);
}
