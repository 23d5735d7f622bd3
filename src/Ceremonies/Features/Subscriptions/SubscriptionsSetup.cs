using Ceremonies.Infrastructure.Jobs;

namespace Ceremonies.Features.Subscriptions;

public static class SubscriptionsSetup
{
    public static IHostApplicationBuilder AddSubscriptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SubscriptionOptions>().BindConfiguration(SubscriptionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<SubscriptionLinks>();
        builder.Services.AddScoped<SubscriptionActions>();
        // Daily: unconfirmed addresses whose link expired, and long-stopped subscriptions, are deleted.
        builder.Services.AddRecurringJob<SubscriptionActions>("subscriptions-pruning", a => a.PruneAsync(CancellationToken.None), "47 3 * * *");
        return builder;
    }

    public static IEndpointRouteBuilder MapSubscriptions(this IEndpointRouteBuilder app)
    {
        app.MapSubscriptionEndpoints();
        return app;
    }
}
