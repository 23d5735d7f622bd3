using System.Globalization;

namespace Ceremonies.Features.Observances;

// How the pages put an observance's rule and its times into words. Every time names its zone.
public static class ObservanceTexts
{
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");

    public static string DateRule(int month, int day) => new DateOnly(2028, month, day).ToString("d MMMM", English);

    public static string Silence(TimeOnly localTime, string zone) => $"{Time(localTime)} {zone}";

    public static string Mode(SilenceMode mode) => mode switch
    {
        SilenceMode.OneInstant => "one instant worldwide",
        _ => "local time at each venue",
    };

    public static string Rule(Observance o)
    {
        var when = $"Every year on {DateRule(o.Month, o.Day)}, a silence of {o.SilenceSeconds} seconds begins at {Silence(o.SilenceLocalTime, o.ReferenceZone)}.";
        var how = o.Mode == SilenceMode.OneInstant
            ? "Every venue holds it at that one instant, whatever the time on its own clock, so some venues hold it on another date."
            : $"Every venue holds it at {Time(o.SilenceLocalTime)} on its own clock, one after another around the world.";
        var leap = o is { Month: 2, Day: 29 } ? " In a year without 29 February it is held on 28 February." : "";
        return $"{when} {how}{leap}";
    }

    public static string Notices(Observance o) =>
        $"Venues taking part are sent a notice {Minutes(o.NoticeMinutesBefore)} before and a call to prepare {Minutes(o.PrepareMinutesBefore)} before.";

    public static string Date(DateOnly date) => date.ToString("d MMMM yyyy", English);

    public static string Time(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    public static string Local(DateOnly date, TimeOnly time, string zone) => $"{Date(date)}, {Time(time)} ({zone})";

    public static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    // Null when the venue's local date is the observance's.
    public static string? OtherDay(ParticipantView venue, DateOnly observanceDate) =>
        OtherDay(venue.DifferentDay, venue.LocalDate, venue.TimeZone, observanceDate);

    public static string? OtherDay(SilenceEventView e, DateOnly observanceDate) =>
        OtherDay(e.DifferentDay, e.LocalDate, e.TimeZone, observanceDate);

    // Null when the local time was found as written.
    public static string? ClockChange(ParticipantView venue, TimeOnly ruleTime) =>
        ClockChange(venue.TimeRule, venue.LocalTime, venue.TimeZone, ruleTime);

    public static string? ClockChange(SilenceEventView e, TimeOnly ruleTime) =>
        ClockChange(e.TimeRule, e.LocalTime, e.TimeZone, ruleTime);

    private static string? OtherDay(bool differentDay, DateOnly localDate, string zone, DateOnly observanceDate) =>
        differentDay
            ? $"Held on {localDate.ToString("d MMMM", English)} in {zone} ({DateRule(observanceDate.Month, observanceDate.Day)} in the reference zone)."
            : null;

    private static string? ClockChange(SilenceTimeRule rule, TimeOnly localTime, string zone, TimeOnly ruleTime) => rule switch
    {
        SilenceTimeRule.AfterSkippedHour =>
            $"{Time(ruleTime)} does not exist in {zone} that day (the clocks go forward over it); the minute is held at {Time(localTime)}, as far past the change as {Time(ruleTime)} was into the skipped hour.",
        SilenceTimeRule.FirstOfRepeatedHour =>
            $"{Time(ruleTime)} happens twice in {zone} that day (the clocks go back); the minute is held the first time.",
        _ => null,
    };

    private static string Minutes(int minutes) => minutes switch
    {
        _ when minutes % 1440 == 0 => Plural(minutes / 1440, "day"),
        _ when minutes % 60 == 0 => Plural(minutes / 60, "hour"),
        _ => Plural(minutes, "minute"),
    };

    private static string Plural(int count, string unit) => count == 1 ? $"one {unit}" : $"{count} {unit}s";
}
