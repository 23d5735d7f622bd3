using System.Net;
using System.Text;
using System.Text.Json;
using Ceremonies.Features.Observances;

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
            second.Add(item);
        }

        Assert.Equal(["schedule", "end"], second.Select(e => e.Event));
        Assert.True(second[^1].At >= minute.SilenceAt.AddSeconds(minute.SilenceSeconds), "end arrived before the minute was over");
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
    // blank line, lines starting with ":" are comments. Heartbeats are passed over.
    private static async IAsyncEnumerable<Received> ReadAsync(HttpClient client, string path, string? lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        string? type = null, id = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0 && type != "heartbeat")
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
