using System.ComponentModel.DataAnnotations;

namespace Ceremonies.Features.Observances;

public sealed class SignalOptions
{
    public const string Section = "Signals";

    // How often each worker reads the coming signals and arms its clock for them, and how far
    // ahead it looks. A signal planned sooner than one look ahead is armed at the next look.
    [Range(100, 60_000)]
    public int ArmEveryMilliseconds { get; set; } = 2000;

    [Range(1, 1440)]
    public int HorizonMinutes { get; set; } = 15;

    // Signals claimed per query at T; the next chunk is claimed while the first is being sent.
    [Range(1, 10_000)]
    public int ChunkSize { get; set; } = 500;

    // Signals due at an instant are claimed this long before it, so that at the instant itself there
    // is nothing left to do but send (a query at T would make every signal as late as it takes).
    // Every worker claims a share; one that dies in this short window leaves its share to the others
    // when its lease lapses (LeaseSeconds after T), still before the deadline.
    [Range(0, 60_000)]
    public int ClaimAheadMilliseconds { get; set; } = 3000;

    // How long a claim protects a signal: a worker that dies after claiming leaves its signals to
    // the others this much later (they look again at every arming).
    [Range(1, 600)]
    public int LeaseSeconds { get; set; } = 5;

    // A failed delivery is tried again after this, doubling, until its deadline.
    [Range(10, 60_000)]
    public int RetryBaseMilliseconds { get; set; } = 250;

    [Range(10, 600_000)]
    public int RetryMaxMilliseconds { get; set; } = 5000;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    public TimeSpan ClaimAhead => TimeSpan.FromMilliseconds(ClaimAheadMilliseconds);
}
