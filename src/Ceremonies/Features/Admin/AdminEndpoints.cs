using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ceremonies.Features.Admin;

// The operators' API, admins only: what the outbox holds, and the retry of a given-up message
// (during an SMTP outage, once the cause is fixed).
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
}
