using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ceremonies.Features.Subscriptions;

// Who may call them: anyone. Subscribing only sends a confirmation; every other call is authorised
// by the signed token of the subscriber's own link, and does nothing without a valid one.
public static class SubscriptionEndpoints
{
    public static RouteGroupBuilder MapSubscriptionEndpoints(this IEndpointRouteBuilder app)
    {
        var subscriptions = app.MapGroup("/api/subscriptions").WithTags("Subscriptions").AllowAnonymous();
        subscriptions.MapPost("/", Subscribe).RequireRateLimiting(RateLimits.AccountMail);
        subscriptions.MapGet("/confirm", Confirm);
        subscriptions.MapGet("/unsubscribe", ShowUnsubscribe);
        // RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" here; the body is not needed.
        subscriptions.MapPost("/unsubscribe", Unsubscribe).DisableAntiforgery();
        subscriptions.MapGet("/preferences", Preferences);
        subscriptions.MapPut("/preferences", ChangePreferences);
        return subscriptions;
    }

    public static async Task<Results<Accepted<SubscribeAnswer>, ValidationProblem>> Subscribe(
        SubscribeRequest request, SubscriptionActions actions, CancellationToken cancellationToken)
    {
        var outcome = await actions.SubscribeAsync(request, cancellationToken);
        return outcome.Refusal == SubscriptionRefusal.Invalid
            ? Problems.Invalid(outcome.Field!, outcome.Message!)
            : TypedResults.Accepted((string?)null, SubscribeAnswer.Instance);
    }

    // Confirms the address (the API's form of the link; the mailed link opens a page that asks first).
    public static async Task<Results<Ok<SubscriptionView>, ProblemHttpResult, ValidationProblem>> Confirm(
        string? token, SubscriptionActions actions, CancellationToken cancellationToken) =>
        Answer(await actions.ConfirmAsync(token, cancellationToken));

    // A browser is sent to the page that asks before it stops anything; a program gets the subscription.
    public static async Task<Results<RedirectHttpResult, Ok<SubscriptionView>, ProblemHttpResult, ValidationProblem>> ShowUnsubscribe(
        string? token, HttpRequest http, SubscriptionActions actions, CancellationToken cancellationToken)
    {
        if (http.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true))
        {
            return TypedResults.Redirect($"/subscriptions/unsubscribe?token={Uri.EscapeDataString(token ?? "")}");
        }
        return Answer(await actions.FindAsync(token, cancellationToken)).Result switch
        {
            Ok<SubscriptionView> ok => ok,
            ProblemHttpResult problem => problem,
            var other => (ValidationProblem)other,
        };
    }

    public static async Task<Results<Ok<SubscriptionView>, ProblemHttpResult, ValidationProblem>> Unsubscribe(
        string? token, SubscriptionActions actions, CancellationToken cancellationToken) =>
        Answer(await actions.UnsubscribeAsync(token, cancellationToken));

    public static async Task<Results<Ok<SubscriptionView>, ProblemHttpResult, ValidationProblem>> Preferences(
        string? token, SubscriptionActions actions, CancellationToken cancellationToken) =>
        Answer(await actions.FindAsync(token, cancellationToken));

    public static async Task<Results<Ok<SubscriptionView>, ProblemHttpResult, ValidationProblem>> ChangePreferences(
        string? token, PreferencesRequest request, SubscriptionActions actions, CancellationToken cancellationToken) =>
        Answer(await actions.ChangePreferencesAsync(token, request, cancellationToken));

    private static Results<Ok<SubscriptionView>, ProblemHttpResult, ValidationProblem> Answer(SubscriptionOutcome outcome) => outcome.Refusal switch
    {
        SubscriptionRefusal.None => TypedResults.Ok(SubscriptionView.Of(outcome.Subscription!, outcome.Following!)),
        SubscriptionRefusal.Expired or SubscriptionRefusal.Invalid => Problems.Invalid(outcome.Field!, outcome.Message!),
        SubscriptionRefusal.Conflict => Problems.Conflict(outcome.Message!),
        _ => Problems.NotFound("subscription"),
    };
}

public sealed record SubscribeAnswer(string Message)
{
    public static readonly SubscribeAnswer Instance = new(
        "If the address can receive mail, a confirmation link is on its way to it. Nothing else is sent until it is opened.");
}
