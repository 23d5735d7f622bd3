using Ceremonies.Infrastructure.Time;

namespace Ceremonies.Features.Observances;

public enum SilenceMode
{
    // Every venue holds the minute at the same instant: the reference zone's local time.
    OneInstant,
    // Every venue holds it at the rule's local time in its own zone, one after another around the world.
    LocalTime,
}

// How a venue's local time of the minute was found: as written, or moved by a clock change.
public enum SilenceTimeRule
{
    Exact,
    // The local time did not exist (the clocks went forward over it): the minute is held after the
    // jump, as far past it as the local time was into the gap (02:30 in a 02:00→03:00 gap is 03:30).
    AfterSkippedHour,
    // The local time happened twice (the clocks went back): the minute is held the first time.
    FirstOfRepeatedHour,
}

// "26 February, the minute of silence at 17:00 Asia/Baku": one date a year and a local time of day.
public sealed record SilenceRule(int Month, int Day, TimeOnly LocalTime, string ReferenceZone, SilenceMode Mode);

// When a venue holds the minute: its own local date and time, its zone, and the instant.
// DifferentDay: the venue's local date is not the observance's date (17:00 in Baku is already
// 00:00 on 27 February in Sydney), which the venue's page and its notice say.
public sealed record VenueSilence(
    string Zone, DateOnly LocalDate, TimeOnly LocalTime, DateTimeOffset Instant, bool DifferentDay, SilenceTimeRule Rule);

public static class SilenceMoments
{
    // The rule's date in a year. 29 February in a year without one is held on 28 February.
    public static DateOnly DateIn(SilenceRule rule, int year) =>
        new(year, rule.Month, Math.Min(rule.Day, DateTime.DaysInMonth(year, rule.Month)));

    // T in the reference zone: the one instant of OneInstant mode.
    public static DateTimeOffset ReferenceInstant(SilenceRule rule, int year) =>
        Resolve(DateIn(rule, year).ToDateTime(rule.LocalTime), rule.ReferenceZone).Instant;

    public static VenueSilence ForVenue(SilenceRule rule, int year, string venueZone)
    {
        var date = DateIn(rule, year);
        if (rule.Mode == SilenceMode.OneInstant)
        {
            var instant = ReferenceInstant(rule, year);
            var local = ZonedTime.ToLocal(instant, venueZone);
            var localDate = DateOnly.FromDateTime(local);
            return new VenueSilence(venueZone, localDate, TimeOnly.FromDateTime(local), instant, localDate != date, SilenceTimeRule.Exact);
        }
        var (at, how) = Resolve(date.ToDateTime(rule.LocalTime), venueZone);
        var held = ZonedTime.ToLocal(at, venueZone);
        var heldDate = DateOnly.FromDateTime(held);
        return new VenueSilence(venueZone, heldDate, TimeOnly.FromDateTime(held), at, heldDate != date, how);
    }

    // A local time in a zone as an instant, by the rule SilenceTimeRule documents.
    private static (DateTimeOffset Instant, SilenceTimeRule Rule) Resolve(DateTime local, string zoneId)
    {
        var zone = ZonedTime.FindZone(zoneId);
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        switch (ZonedTime.Classify(unspecified, zone))
        {
            case LocalTimeKind.Skipped:
                // Read with the offset in force before the jump (the smaller one), the local time names
                // the instant as far past the jump as it was into the gap.
                TimeSpan[] around = [zone.GetUtcOffset(unspecified.AddHours(-6)), zone.GetUtcOffset(unspecified.AddHours(6))];
                var before = around.Min();
                return (new DateTimeOffset(unspecified, before).ToUniversalTime(), SilenceTimeRule.AfterSkippedHour);
            case LocalTimeKind.Ambiguous:
                return (new DateTimeOffset(unspecified, zone.GetAmbiguousTimeOffsets(unspecified).Max()).ToUniversalTime(),
                    SilenceTimeRule.FirstOfRepeatedHour);
            default:
                return (new DateTimeOffset(unspecified, zone.GetUtcOffset(unspecified)).ToUniversalTime(), SilenceTimeRule.Exact);
        }
    }
}
