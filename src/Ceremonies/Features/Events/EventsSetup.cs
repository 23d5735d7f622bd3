using Ceremonies.Infrastructure.Jobs;
using Ceremonies.Infrastructure.Text;

namespace Ceremonies.Features.Events;

public static class EventsSetup
{
    public static IHostApplicationBuilder AddEvents(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EventOptions>().BindConfiguration(EventOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SafeMarkdown>();
        builder.Services.AddScoped<EventActions>();
        builder.Services.AddScoped<EventAttendance>();
        builder.Services.AddScoped<EventHall>();
        // Each minute: lapsed offers of a seat pass on, and free seats go to the people waiting.
        builder.Services.AddRecurringJob<EventAttendance>("event-offers", a => a.RunAsync(CancellationToken.None), "* * * * *");
        // Each day: registrations whose address was never confirmed are deleted.
        builder.Services.AddRecurringJob<EventAttendance>("event-registrations-pruning", a => a.PruneUnconfirmedAsync(CancellationToken.None), "41 3 * * *");
        builder.Services.AddScoped<EventTimes>();
        // Each day: the instants of events ahead follow the zones' current rules.
        builder.Services.AddRecurringJob<EventTimes>("event-times", t => t.RunAsync(CancellationToken.None), "23 3 * * *");
        return builder;
    }
}
