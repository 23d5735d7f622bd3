using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Ceremonies.Features.Observances;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ceremonies.Tests.Features.Observances;

// The live stream a venue's display listens to: read as a display's EventSource reads it, line by
// line, from the app's real Kestrel on 127.0.0.1.
[Collection(AppTests.Name)]
public sealed class LiveStreamTests(AppFixture fixture)
{
    private sealed record Received(string? Event, string? Id, string Data, DateTimeOffset At);

    [Fact]
    public async Task TheStreamSendsTheScheduleAtOnceThenBeginNoEarlierThanTAndAReconnectDoesNotRepeatIt()
    {
        var minute = await MinuteAhead.CreateAsync(fixture, TimeSpan.FromSeconds(5), "Asia/Baku", "Europe/Paris");
        var baku = minute.Venues[0];
        using var client = new HttpClient { BaseAddress = fixture.App.Address, Timeout = TimeSpan.FromMinutes(2) };

        var first = new List<Received>();
        await foreach (var item in ReadAsync(client, $"/api/occurrences/{minute.OccurrenceId}/live", null))
        {
            if (item.Event == "heartbeat")
            {
                continue;
            }
            first.Add(item);
            if (item.Event == "begin")
            {
                break;
            }
        }

        var schedule = first[0];
        Assert.Equal("schedule", schedule.Event);
        Assert.Null(schedule.Id);
        using var scheduled = JsonDocument.Parse(schedule.Data);
        Assert.Equal(minute.OccurrenceId, scheduled.RootElement.GetProperty("occurrenceId").GetGuid());
        Assert.True(scheduled.RootElement.GetProperty("serverTime").GetDateTimeOffset() < minute.SilenceAt);
        var venues = scheduled.RootElement.GetProperty("venues").EnumerateArray().ToList();
        Assert.Equal(minute.Venues.Select(v => v.Id).Order(), venues.Select(v => v.GetProperty("venueId").GetGuid()).Order());
        var bakuSchedule = venues.Single(v => v.GetProperty("venueId").GetGuid() == baku.Id);
        Assert.Equal(minute.SilenceAt, bakuSchedule.GetProperty("beginsAt").GetDateTimeOffset());
        Assert.Equal(minute.SilenceAt.AddSeconds(minute.SilenceSeconds), bakuSchedule.GetProperty("endsAt").GetDateTimeOffset());
        Assert.Equal("Asia/Baku", bakuSchedule.GetProperty("timeZone").GetString());
        Assert.Equal(minute.LocalTimeAt(baku), bakuSchedule.GetProperty("localTime").GetString());
        // "prepare" was due a minute before T, before the stream was opened: it comes at once.
        Assert.Equal(["schedule", "prepare", "begin"], first.Select(e => e.Event));
        var begin = first[^1];
        Assert.True(begin.At >= minute.SilenceAt, $"begin arrived at {begin.At:O}, before T {minute.SilenceAt:O}");
        using var begun = JsonDocument.Parse(begin.Data);
        Assert.Equal(minute.SilenceAt, begun.RootElement.GetProperty("at").GetDateTimeOffset());
        Assert.NotNull(begin.Id);

        // The display's connection drops after "begin": it comes back with the last id it saw.
        var second = new List<Received>();
        await foreach (var item in ReadAsync(client, $"/api/occurrences/{minute.OccurrenceId}/live", begin.Id))
        {
            if (item.Event != "heartbeat")
            {
                second.Add(item);
            }
        }

        Assert.Equal(["schedule", "end"], second.Select(e => e.Event));
        Assert.True(second[^1].At >= minute.SilenceAt.AddSeconds(minute.SilenceSeconds), "end arrived before the minute was over");
    }

    // A server whose clock the test moves: a heartbeat while the minute is far off, and "begin"
    // held back while the clock is a millisecond short of T.
    [Fact]
    public async Task ByTheServersClockTheStreamBeatsWhileWaitingAndSaysBeginOnlyOnceItIsT()
    {
        var minute = await MinuteAhead.CreateAsync(fixture, TimeSpan.FromHours(1), "Asia/Baku");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAnotherApp(services: s => s.AddSingleton<TimeProvider>(clock));
        using var client = new HttpClient { BaseAddress = app.Address };
        using var stop = new CancellationTokenSource();
        var received = Channel.CreateUnbounded<Received>();
        var pump = Task.Run(async () =>
        {
            await foreach (var item in ReadAsync(client, $"/api/occurrences/{minute.OccurrenceId}/live", null, stop.Token))
            {
                await received.Writer.WriteAsync(item);
            }
        });

        Assert.Equal("schedule", (await NextAsync(received, TimeSpan.FromSeconds(60)))?.Event);
        // The server may not be waiting yet when the clock first moves; it is moved until it beats.
        Received? beat = null;
        for (var i = 0; i < 20 && beat is null; i++)
        {
            clock.Advance(LiveEndpoints.Heartbeat);
            beat = await NextAsync(received, TimeSpan.FromSeconds(2), heartbeat: true);
        }
        Assert.Equal("heartbeat", beat?.Event);
        Assert.Null(beat?.Id);

        clock.SetUtcNow(minute.SilenceAt.AddMilliseconds(-1));
        Assert.Equal("prepare", (await NextAsync(received, TimeSpan.FromSeconds(30)))?.Event);
        var early = await NextAsync(received, TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var begin = early ?? await NextAsync(received, TimeSpan.FromSeconds(30));

        Assert.Null(early);
        Assert.Equal("begin", begin?.Event);
        await stop.CancelAsync();
        try
        {
            await pump;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // The test hung up on the stream; how the read ends is the HTTP stack's affair.
        }
    }

    // The next event within the time given, or null; a heartbeat only when asked for.
    private static async Task<Received?> NextAsync(Channel<Received> received, TimeSpan within, bool heartbeat = false)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                var item = await received.Reader.ReadAsync(timeout.Token);
                if (heartbeat || item.Event != "heartbeat")
                {
                    return item;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [Fact]
    public async Task AVenueNarrowsTheStreamToItsOwnMinute()
    {
        var minute = await MinuteAhead.CreateAsync(fixture, TimeSpan.FromMinutes(30), "Asia/Baku", "Europe/Paris");
        var paris = minute.Venues[1];
        using var client = new HttpClient { BaseAddress = fixture.App.Address };

        await using var events = ReadAsync(client, $"/api/occurrences/{minute.OccurrenceId}/live?venue={paris.Id}", null).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());

        using var schedule = JsonDocument.Parse(events.Current.Data);
        var venue = Assert.Single(schedule.RootElement.GetProperty("venues").EnumerateArray());
        Assert.Equal(paris.Id, venue.GetProperty("venueId").GetGuid());
    }

    [Fact]
    public async Task AnUnknownOccurrenceOrAVenueNotTakingPartIsNotFound()
    {
        var minute = await MinuteAhead.CreateAsync(fixture, TimeSpan.FromMinutes(30), "Asia/Baku");
        using var client = new HttpClient { BaseAddress = fixture.App.Address };

        foreach (var path in new[] { $"/api/occurrences/{Guid.NewGuid()}/live", $"/api/occurrences/{minute.OccurrenceId}/live?venue={Guid.NewGuid()}" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    // Server-Sent Events as the HTML standard reads them: "field: value" lines, an event ends at a
    // blank line, lines starting with ":" are comments.
    private static async IAsyncEnumerable<Received> ReadAsync(
        HttpClient client, string path, string? lastEventId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        string? type = null, id = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    yield return new Received(type, id, data.ToString(), DateTimeOffset.UtcNow);
                }
                (type, id) = (null, null);
                data.Clear();
                continue;
            }
            if (line.StartsWith(':'))
            {
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart(' '));
            switch (field)
            {
                case "event":
                    type = value;
                    break;
                case "id":
                    id = value;
                    break;
                case "data":
                    data.Append(data.Length > 0 ? "\n" : "").Append(value);
                    break;
            }
        }
    }
}
