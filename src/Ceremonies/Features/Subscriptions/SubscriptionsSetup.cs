namespace Ceremonies.Features.Subscriptions;

public static class SubscriptionsSetup
{
    public static IHostApplicationBuilder AddSubscriptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SubscriptionOptions>().BindConfiguration(SubscriptionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<SubscriptionLinks>();
        builder.Services.AddScoped<SubscriptionActions>();
        return builder;
    }

    public static IEndpointRouteBuilder MapSubscriptions(this IEndpointRouteBuilder app)
    {
        app.MapSubscriptionEndpoints();
        return app;
    }
}
