using System.ComponentModel.DataAnnotations;

namespace Ceremonies.Infrastructure.Scheduling;

public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    // Off makes a web-only process: it serves HTTP and never runs jobs.
    public bool Enabled { get; set; } = true;

    // Every process of one deployment uses the same name; that is what makes them one cluster.
    [Required, StringLength(100)]
    public string Name { get; set; } = "ceremonies";

    [Range(1, 300)]
    public int CheckinSeconds { get; set; } = 5;

    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 8;
}
