using Ceremonies.Infrastructure.Jobs;
using Ceremonies.Infrastructure.Outbox;

namespace Ceremonies.Features.Reminders;

public static class RemindersSetup
{
    public static IHostApplicationBuilder AddReminders(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ReminderPlanner>();
        builder.Services.AddKeyedScoped<IOutboxRenderer, ReminderRenderer>(ReminderRenderer.Name);
        // Every two seconds: the plans that changes asked for, each in one statement.
        builder.Services.AddRecurringJob<ReminderPlanner>("reminder-planning", p => p.RunAsync(CancellationToken.None), "*/2 * * * * *");
        builder.Services.AddHealthChecks().AddCheck<ReminderPlanningHealthCheck>("reminder-planning", tags: ["ready"]);
        return builder;
    }
}
