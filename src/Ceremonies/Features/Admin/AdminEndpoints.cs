using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Jobs;
using Ceremonies.Infrastructure.Security;
using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ceremonies.Features.Admin;

// The operators' API, admins only: what the outbox and the background jobs hold, and the retry of a
// given-up message (during an SMTP outage, once the cause is fixed). The same as /admin shows.
public static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(Policies.Admin);
        group.MapGet("/outbox", Outbox)
            .WithSummary("Outbox messages by state, and the latest failures");
        group.MapPost("/outbox/{id:guid}/retry", Retry)
            .WithSummary("Put a given-up message back in the queue, due now")
            .WithDescription("Answers the message as it now is. A message that is not given up, or whose deadline has passed, is a 409.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/jobs", Jobs)
            .WithSummary("Job servers, recurring jobs and job counts, as Hangfire knows them");
        return group;
    }

    public static async Task<Ok<OutboxReport>> Outbox(CeremoniesDb db, TimeProvider clock, CancellationToken cancellationToken) =>
        TypedResults.Ok(await OutboxOperations.ReadAsync(db, clock.GetUtcNow(), cancellationToken));

    public static async Task<Results<Accepted<OutboxMessageView>, ProblemHttpResult>> Retry(
        Guid id, CeremoniesDb db, ClaimsPrincipal user, TimeProvider clock, CancellationToken cancellationToken)
    {
        var retry = await OutboxOperations.RetryAsync(db, id, user, clock.GetUtcNow(), cancellationToken);
        return retry switch
        {
            { Outcome: RetryOutcome.Retried, Message: { } message } => TypedResults.Accepted((string?)null, message),
            { Outcome: RetryOutcome.Unknown } => Problems.NotFound("outbox message"),
            _ => Problems.Conflict(OutboxOperations.Refusal(retry)),
        };
    }

    // Hangfire's storage API is synchronous; these few reads are for an operator, not for traffic.
    public static Ok<JobsReport> Jobs(JobStorage storage, JobServers servers, TimeProvider clock, CancellationToken cancellationToken)
    {
        var live = servers.List().Select(s => new JobServerView(s.Name, s.Workers, s.LastHeartbeat, s.IsLive)).ToList();
        cancellationToken.ThrowIfCancellationRequested();
        List<RecurringJobView> recurring;
        using (var connection = storage.GetConnection())
        {
            recurring =
            [
                .. connection.GetRecurringJobs().OrderBy(j => j.Id, StringComparer.Ordinal).Select(j => new RecurringJobView(
                    j.Id, j.Cron, j.TimeZoneId ?? "UTC", Utc(j.NextExecution), Utc(j.LastExecution), j.LastJobState, j.Error)),
            ];
        }
        cancellationToken.ThrowIfCancellationRequested();
        var statistics = storage.GetMonitoringApi().GetStatistics();
        return TypedResults.Ok(new JobsReport(clock.GetUtcNow(), live, recurring,
            new JobCounts(statistics.Enqueued, statistics.Processing, statistics.Scheduled, statistics.Failed, statistics.Succeeded)));
    }

    // Hangfire keeps UTC; PostgreSQL storage hands it back without saying so.
    private static DateTimeOffset? Utc(DateTime? at) => at switch
    {
        null => null,
        { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime()),
        { } utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
    };
}
