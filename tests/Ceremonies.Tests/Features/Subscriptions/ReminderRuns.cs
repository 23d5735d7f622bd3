using Ceremonies.Features.Reminders;

namespace Ceremonies.Tests.Features.Subscriptions;

// The test apps run no scheduler: tests plan reminders when they want them planned.
public static class ReminderRuns
{
    // Plan runs follow each other until one finds no request left.
    public static async Task PlanRemindersAsync(this CeremoniesApp app)
    {
        while (await app.InScopeAsync<ReminderPlanner, int>(p => p.RunAsync(CancellationToken.None)) > 0)
        {
        }
    }
}
