using Ceremonies.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ceremonies.Features.Reminders;

// Whether reminders are being planned: Degraded (the process still serves) when a plan keeps failing
// or requests wait longer than planning ever takes, naming the oldest error. Requests wait a few
// seconds at most when all is well (the job runs every 2 s; 100,000 reminders plan in ~7 s).
internal sealed class ReminderPlanningHealthCheck(CeremoniesDb db, TimeProvider clock) : IHealthCheck
{
    private static readonly TimeSpan Late = TimeSpan.FromMinutes(2);

    private sealed record Backlog(int Waiting, int Failing, DateTimeOffset? Oldest, string? Error);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var backlog = (await db.Database.SqlQuery<Backlog>($"""
            SELECT count(*)::int AS waiting, count(*) FILTER (WHERE attempts > 0)::int AS failing, min(requested_at) AS oldest,
                   (SELECT last_error FROM reminder_plans WHERE attempts > 0 ORDER BY requested_at LIMIT 1) AS error
              FROM reminder_plans
            """).ToListAsync(cancellationToken))[0];
        if (backlog.Failing > 0)
        {
            return HealthCheckResult.Degraded($"{backlog.Failing} reminder plan(s) failing, retried with a growing wait; the oldest: {backlog.Error}");
        }
        if (backlog.Oldest is { } oldest && clock.GetUtcNow() - oldest > Late)
        {
            return HealthCheckResult.Degraded($"{backlog.Waiting} reminder plan(s) waiting, the oldest since {oldest:u}: is a job server running?");
        }
        return HealthCheckResult.Healthy($"{backlog.Waiting} reminder plan(s) waiting");
    }
}
