namespace Ceremonies.Tests.Fakes;

// Wall-clock time that a test moves by hand; elapsed-time measurement stays real.
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
