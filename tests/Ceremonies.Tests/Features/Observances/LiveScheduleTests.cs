using Ceremonies.Features.Observances;

namespace Ceremonies.Tests.Features.Observances;

public sealed class LiveScheduleTests
{
    private static readonly DateTimeOffset T = new(2027, 2, 26, 13, 0, 0, TimeSpan.Zero);

    private static ParticipantView Venue(string zone, DateTimeOffset beginsAt) => new(
        Guid.NewGuid(), zone, "City", "AZ", zone, DateOnly.FromDateTime(beginsAt.UtcDateTime), TimeOnly.FromDateTime(beginsAt.UtcDateTime),
        beginsAt, beginsAt.AddSeconds(60), false, SilenceTimeRule.Exact, null);

    [Fact]
    public void VenuesSharingTheInstantGetOnePrepareBeginAndEndInTimeOrder()
    {
        var baku = Venue("Asia/Baku", T);
        var paris = Venue("Europe/Paris", T);

        var signals = LiveSchedule.Signals([baku, paris], 10, null);

        Assert.Equal([Signal.Prepare, Signal.Begin, Signal.End], signals.Select(s => s.Signal));
        Assert.Equal([T.AddMinutes(-10), T, T.AddSeconds(60)], signals.Select(s => s.At));
        Assert.All(signals, s => Assert.Equal([baku.VenueId, paris.VenueId], s.VenueIds));
        Assert.Equal(3, signals.Select(s => s.Id).Distinct().Count());
    }

    [Fact]
    public void VenuesOnTheirOwnLocalTimeGetTheirOwnSignalsInterleavedByInstant()
    {
        var baku = Venue("Asia/Baku", T);
        var paris = Venue("Europe/Paris", T.AddSeconds(30));

        var signals = LiveSchedule.Signals([paris, baku], 1, null);

        Assert.Equal(
            [(Signal.Prepare, baku.VenueId), (Signal.Prepare, paris.VenueId), (Signal.Begin, baku.VenueId), (Signal.Begin, paris.VenueId),
                (Signal.End, baku.VenueId), (Signal.End, paris.VenueId)],
            signals.Select(s => (s.Signal, Assert.Single(s.VenueIds))));
        Assert.Equal(signals.OrderBy(s => s.At).Select(s => s.Id), signals.Select(s => s.Id));
    }

    [Fact]
    public void AReconnectGetsOnlyTheSignalsAfterTheLastOneItReceived()
    {
        var venues = new[] { Venue("Asia/Baku", T), Venue("Europe/Paris", T.AddMinutes(1)) };
        var all = LiveSchedule.Signals(venues, 10, null);

        foreach (var (received, index) in all.Select((s, i) => (s, i)))
        {
            Assert.Equal(all.Skip(index + 1).Select(s => s.Id), LiveSchedule.Signals(venues, 10, received.Id).Select(s => s.Id));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("12.99")]
    [InlineData("-5.2")]
    [InlineData("1.2.3")]
    public void AnIdTheStreamDidNotMakeGetsEverything(string lastEventId)
    {
        var venues = new[] { Venue("Asia/Baku", T) };

        Assert.Equal(LiveSchedule.Signals(venues, 10, null).Select(s => s.Id), LiveSchedule.Signals(venues, 10, lastEventId).Select(s => s.Id));
    }
}
