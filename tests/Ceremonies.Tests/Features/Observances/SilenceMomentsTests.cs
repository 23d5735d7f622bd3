using System.Globalization;
using Ceremonies.Features.Observances;

namespace Ceremonies.Tests.Features.Observances;

public sealed class SilenceMomentsTests
{
    private static readonly SilenceRule Worldwide = new(2, 26, new TimeOnly(17, 0), "Asia/Baku", SilenceMode.OneInstant);
    private static readonly SilenceRule LocalEverywhere = Worldwide with { Mode = SilenceMode.LocalTime };

    // 17:00 in Baku (+04:00) is 13:00 UTC on 26 February 2027; each venue's clock then, and whether it is already the 27th.
    [Theory]
    [InlineData("Asia/Baku", "2027-02-26", "17:00", false)]
    [InlineData("Europe/Paris", "2027-02-26", "14:00", false)]
    [InlineData("America/New_York", "2027-02-26", "08:00", false)]
    [InlineData("America/Los_Angeles", "2027-02-26", "05:00", false)]
    [InlineData("America/Sao_Paulo", "2027-02-26", "10:00", false)]
    [InlineData("Pacific/Auckland", "2027-02-27", "02:00", true)] // New Zealand summer time, +13:00
    [InlineData("Australia/Sydney", "2027-02-27", "00:00", true)] // +11:00 in summer
    [InlineData("Australia/Lord_Howe", "2027-02-27", "00:00", true)] // summer time moves it half an hour, to +11:00
    [InlineData("Asia/Kathmandu", "2027-02-26", "18:45", false)] // +05:45
    [InlineData("Pacific/Chatham", "2027-02-27", "02:45", true)] // +13:45 in summer
    public void OneInstantWorldwideIsTheReferenceZonesMomentOnEveryVenuesClock(string zone, string date, string time, bool differentDay)
    {
        var silence = SilenceMoments.ForVenue(Worldwide, 2027, zone);

        Assert.Equal(DateTimeOffset.Parse("2027-02-26T13:00:00Z", CultureInfo.InvariantCulture), silence.Instant);
        Assert.Equal(DateOnly.Parse(date, CultureInfo.InvariantCulture), silence.LocalDate);
        Assert.Equal(TimeOnly.Parse(time, CultureInfo.InvariantCulture), silence.LocalTime);
        Assert.Equal(differentDay, silence.DifferentDay);
        Assert.Equal(SilenceTimeRule.Exact, silence.Rule);
        Assert.Equal(zone, silence.Zone);
    }

    // 17:00 on 26 February on each venue's own clock: the instants follow the sun around the world.
    [Theory]
    [InlineData("Asia/Baku", "2027-02-26T13:00:00Z")]
    [InlineData("Europe/Paris", "2027-02-26T16:00:00Z")]
    [InlineData("America/New_York", "2027-02-26T22:00:00Z")]
    [InlineData("America/Los_Angeles", "2027-02-27T01:00:00Z")]
    [InlineData("America/Sao_Paulo", "2027-02-26T20:00:00Z")] // no summer time since 2019: -03:00
    [InlineData("Pacific/Auckland", "2027-02-26T04:00:00Z")]
    [InlineData("Australia/Sydney", "2027-02-26T06:00:00Z")]
    [InlineData("Australia/Lord_Howe", "2027-02-26T06:00:00Z")]
    [InlineData("Asia/Kathmandu", "2027-02-26T11:15:00Z")]
    [InlineData("Pacific/Chatham", "2027-02-26T03:15:00Z")]
    public void LocalTimeModeHoldsTheMinuteAtSeventeenHundredOnEachVenuesClock(string zone, string instant)
    {
        var silence = SilenceMoments.ForVenue(LocalEverywhere, 2027, zone);

        Assert.Equal(DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture), silence.Instant);
        Assert.Equal(new DateOnly(2027, 2, 26), silence.LocalDate);
        Assert.Equal(new TimeOnly(17, 0), silence.LocalTime);
        Assert.False(silence.DifferentDay);
        Assert.Equal(SilenceTimeRule.Exact, silence.Rule);
    }

    [Fact]
    public void ALocalTimeTheClocksSkipIsHeldAsFarPastTheJumpAsItWasIntoTheGap()
    {
        // Paris springs forward 02:00 → 03:00 on 28 March 2027.
        var paris = SilenceMoments.ForVenue(new SilenceRule(3, 28, new TimeOnly(2, 30), "Europe/Paris", SilenceMode.LocalTime), 2027, "Europe/Paris");
        // Lord Howe springs forward by half an hour, 02:00 → 02:30, on 3 October 2027.
        var lordHowe = SilenceMoments.ForVenue(new SilenceRule(10, 3, new TimeOnly(2, 15), "Australia/Lord_Howe", SilenceMode.LocalTime), 2027, "Australia/Lord_Howe");

        Assert.Equal((DateTimeOffset.Parse("2027-03-28T01:30:00Z", CultureInfo.InvariantCulture), new TimeOnly(3, 30), SilenceTimeRule.AfterSkippedHour),
            (paris.Instant, paris.LocalTime, paris.Rule));
        Assert.Equal((DateTimeOffset.Parse("2027-10-02T15:45:00Z", CultureInfo.InvariantCulture), new TimeOnly(2, 45), SilenceTimeRule.AfterSkippedHour),
            (lordHowe.Instant, lordHowe.LocalTime, lordHowe.Rule));
    }

    [Fact]
    public void ALocalTimeTheClocksRepeatIsHeldTheFirstTime()
    {
        // Paris falls back 03:00 → 02:00 on 31 October 2027: 02:30 happens on summer time (+02:00) first.
        var paris = SilenceMoments.ForVenue(new SilenceRule(10, 31, new TimeOnly(2, 30), "Europe/Paris", SilenceMode.LocalTime), 2027, "Europe/Paris");
        // Lord Howe falls back half an hour, 02:00 → 01:30, on 4 April 2027: 01:45 comes first at +11:00.
        var lordHowe = SilenceMoments.ForVenue(new SilenceRule(4, 4, new TimeOnly(1, 45), "Australia/Lord_Howe", SilenceMode.LocalTime), 2027, "Australia/Lord_Howe");

        Assert.Equal((DateTimeOffset.Parse("2027-10-31T00:30:00Z", CultureInfo.InvariantCulture), SilenceTimeRule.FirstOfRepeatedHour), (paris.Instant, paris.Rule));
        Assert.Equal((DateTimeOffset.Parse("2027-04-03T14:45:00Z", CultureInfo.InvariantCulture), SilenceTimeRule.FirstOfRepeatedHour), (lordHowe.Instant, lordHowe.Rule));
    }

    [Fact]
    public void TheTwentyNinthOfFebruaryIsHeldOnTheTwentyEighthInACommonYear()
    {
        var rule = Worldwide with { Day = 29 };

        Assert.Equal(new DateOnly(2027, 2, 28), SilenceMoments.DateIn(rule, 2027));
        Assert.Equal(new DateOnly(2028, 2, 29), SilenceMoments.DateIn(rule, 2028));
    }

    [Fact]
    public void TheReferenceZonesInstantFollowsItsOwnSummerTime()
    {
        // Paris at 17:00 is 16:00 UTC in February and 15:00 UTC in July.
        var winter = new SilenceRule(2, 26, new TimeOnly(17, 0), "Europe/Paris", SilenceMode.OneInstant);

        Assert.Equal(DateTimeOffset.Parse("2027-02-26T16:00:00Z", CultureInfo.InvariantCulture), SilenceMoments.ReferenceInstant(winter, 2027));
        Assert.Equal(DateTimeOffset.Parse("2027-07-14T15:00:00Z", CultureInfo.InvariantCulture), SilenceMoments.ReferenceInstant(winter with { Month = 7, Day = 14 }, 2027));
    }
}
