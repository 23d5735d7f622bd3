using System.ComponentModel.DataAnnotations;

namespace Ceremonies.Infrastructure.Jobs;

public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    // Off makes a web-only process: it serves HTTP and enqueues jobs, and never runs them.
    public bool Enabled { get; set; } = true;

    // Jobs one process runs at once. A job moves a batch of rows (never one email), so a few are
    // plenty; more only add polling connections.
    [Range(1, 64)]
    public int Workers { get; set; } = 4;

    // How often an idle worker asks PostgreSQL for an enqueued job, and how often the scheduler
    // looks for due delayed and recurring jobs (Hangfire's defaults are 15 s).
    [Range(100, 60_000)]
    public int PollMilliseconds { get; set; } = 1000;

    // A job whose process died (SIGKILL, a lost machine) is handed to another worker once it has not
    // been heard of for this long. While a job runs its worker keeps renewing the claim, so a long
    // job is not handed out twice. Hangfire's default is 30 minutes.
    [Range(10, 3600)]
    public int InvisibilitySeconds { get; set; } = 30;
}
