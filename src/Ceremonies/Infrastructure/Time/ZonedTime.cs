namespace Ceremonies.Infrastructure.Time;

public enum LocalTimeKind
{
    Regular,
    // The clocks went back: this local time happened twice.
    Ambiguous,
    // The clocks went forward: this local time never happened.
    Skipped,
}

// A person's appointment: what they meant (local time in a zone) and when that is (the instant).
public readonly record struct ZonedTime(DateTime Local, string Zone, DateTimeOffset Instant)
{
    public static TimeZoneInfo FindZone(string zone) => TimeZoneInfo.FindSystemTimeZoneById(zone);

    public static LocalTimeKind Classify(DateTime local, TimeZoneInfo zone) =>
        zone.IsInvalidTime(local) ? LocalTimeKind.Skipped
        : zone.IsAmbiguousTime(local) ? LocalTimeKind.Ambiguous
        : LocalTimeKind.Regular;

    // A skipped local time is refused (null): there is no honest instant for it. An ambiguous one
    // is the first of its two occurrences, the one still on summer time: the documented rule.
    public static ZonedTime? Resolve(DateTime local, string zoneId)
    {
        var zone = FindZone(zoneId);
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        var offset = Classify(unspecified, zone) switch
        {
            LocalTimeKind.Skipped => (TimeSpan?)null,
            LocalTimeKind.Ambiguous => zone.GetAmbiguousTimeOffsets(unspecified).Max(),
            _ => zone.GetUtcOffset(unspecified),
        };
        return offset is { } o ? new ZonedTime(unspecified, zoneId, new DateTimeOffset(unspecified, o).ToUniversalTime()) : null;
    }

    public static DateTime ToLocal(DateTimeOffset instant, string zoneId) =>
        DateTime.SpecifyKind(TimeZoneInfo.ConvertTime(instant, FindZone(zoneId)).DateTime, DateTimeKind.Unspecified);
}

public readonly record struct ZonedSpan(ZonedTime Start, ZonedTime End)
{
    public TimeSpan Length => End.Instant - Start.Instant;
}
