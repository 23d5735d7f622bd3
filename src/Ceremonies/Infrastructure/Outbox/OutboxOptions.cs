using System.ComponentModel.DataAnnotations;

namespace Ceremonies.Infrastructure.Outbox;

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    [Range(1, 3600)]
    public int PollSeconds { get; set; } = 2;

    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    // How long a claim protects a message. The node renews it every third of it while it sends, so
    // this is how soon the messages of a node that died (SIGKILL, power) go to another: within this
    // and one poll. Shorter means quicker recovery and more renewals (one UPDATE per batch each time).
    [Range(3, 3600)]
    public int LeaseSeconds { get; set; } = 15;

    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 12;

    [Range(1, 3600)]
    public int RetryBaseSeconds { get; set; } = 5;

    [Range(1, 86400)]
    public int RetryMaxSeconds { get; set; } = 1800;

    // Each wait is shortened by a random part of up to this share, so the messages that failed
    // together (an SMTP outage) do not all come back at the same instant.
    [Range(0, 90)]
    public int RetryJitterPercent { get; set; } = 25;

    // One run keeps claiming batches while there is work, up to this long.
    [Range(1, 600)]
    public int RunBudgetSeconds { get; set; } = 30;

    // Sent messages are deleted this long after they went out; dead ones stay until someone acts on them.
    [Range(1, 3650)]
    public int KeepSentDays { get; set; } = 30;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    public TimeSpan LeaseRenewal => Lease / 3;
}

public static class RetryBackoff
{
    // Doubling from the base after each failed attempt (1 → base, 2 → 2×base, …), capped.
    public static TimeSpan After(int attempts, TimeSpan baseDelay, TimeSpan max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        var exponent = Math.Min(attempts - 1, 30);
        var delay = baseDelay * Math.Pow(2, exponent);
        return delay < max ? delay : max;
    }

    // The wait less up to jitter of it, by sample (0 ≤ sample < 1): never longer than the doubling
    // and its cap promise.
    public static TimeSpan Jittered(TimeSpan wait, double jitter, double sample)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(jitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(jitter, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(sample);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sample, 1);
        return wait * (1 - (jitter * sample));
    }
}
