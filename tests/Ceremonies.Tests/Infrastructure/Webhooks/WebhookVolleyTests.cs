using System.Net;
using System.Net.Sockets;
using System.Text;
using Ceremonies.Infrastructure.Webhooks;
using Microsoft.Extensions.Options;

namespace Ceremonies.Tests.Infrastructure.Webhooks;

// Real sockets on 127.0.0.1: a listener stands for the venues' PA systems.
public sealed class WebhookVolleyTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TcpListener _venues = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];

    public WebhookVolleyTests() => _venues.Start();

    private int Port => ((IPEndPoint)_venues.LocalEndpoint).Port;

    private WebhookCall Call(string path, string body = """{"signal":"begin"}""", string scheme = "http") =>
        new(new Uri($"{scheme}://127.0.0.1:{Port}/{path}"), Encoding.UTF8.GetBytes(body), "1772110800",
            WebhookSender.Sign("secret", "1772110800", body), Guid.NewGuid().ToString());

    private static WebhookConnections Connections(bool allowLoopback = true) =>
        new(Options.Create(new WebhookOptions { AllowLoopback = allowLoopback }));

    private static Task<WebhookVolley> OpenAsync(WebhookConnections connections, params WebhookCall[] calls) =>
        WebhookVolley.OpenAsync(connections, calls, limit: 100, Patience, TimeProvider.System, CancellationToken.None);

    private async Task<Socket> AcceptAsync()
    {
        using var wait = new CancellationTokenSource(Patience);
        var socket = await _venues.AcceptSocketAsync(wait.Token);
        _accepted.Add(socket);
        return socket;
    }

    // What the venue received up to the end of the body its Content-Length announced.
    private static async Task<string> ReadRequestAsync(Socket venue)
    {
        using var wait = new CancellationTokenSource(Patience);
        var buffer = new byte[4096];
        var read = 0;
        while (true)
        {
            read += await venue.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, wait.Token);
            var text = Encoding.ASCII.GetString(buffer, 0, read);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var length = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length: ", StringComparison.Ordinal));
            if (end >= 0 && length is not null && read >= end + 4 + int.Parse(length["Content-Length: ".Length..], System.Globalization.CultureInfo.InvariantCulture))
            {
                return text;
            }
        }
    }

    [Fact]
    public async Task EachRequestIsWrittenWhenFiredSignedAndItsAnswerIsTheStatusTheVenueGave()
    {
        var connections = Connections();
        var calls = new[] { Call("hall/1"), Call("hall/2?x=1", """{"signal":"begin","venue":2}""") };
        using var volley = await OpenAsync(connections, calls);
        var first = await AcceptAsync();
        var second = await AcceptAsync();
        Assert.Equal(2, volley.Count);
        Assert.True(calls.All(volley.Holds));

        // Connected, but nothing is sent before the instant.
        Assert.False(first.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead));
        volley.Fire();

        var requests = new Dictionary<string, (Socket Venue, string Text)>();
        foreach (var venue in new[] { first, second })
        {
            var text = await ReadRequestAsync(venue);
            requests[text.Split(' ')[1]] = (venue, text);
        }
        var (firstVenue, firstText) = requests["/hall/1"];
        Assert.StartsWith($"POST /hall/1 HTTP/1.1\r\nHost: 127.0.0.1:{Port}\r\n", firstText, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: application/json; charset=utf-8\r\n", firstText, StringComparison.Ordinal);
        Assert.Contains($"\r\n{WebhookSender.TimestampHeader}: 1772110800\r\n", firstText, StringComparison.Ordinal);
        Assert.Contains($"\r\n{WebhookSender.SignatureHeader}: {calls[0].Signature}\r\n", firstText, StringComparison.Ordinal);
        Assert.Contains($"\r\n{WebhookSender.DeliveryHeader}: {calls[0].DeliveryId}\r\n", firstText, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close\r\n", firstText, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n{\"signal\":\"begin\"}", firstText, StringComparison.Ordinal);
        var (secondVenue, secondText) = requests["/hall/2?x=1"];
        Assert.EndsWith("""{"signal":"begin","venue":2}""", secondText, StringComparison.Ordinal);

        await firstVenue.SendAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray());
        // An answer may come in pieces.
        await secondVenue.SendAsync("HTTP/1.1 50"u8.ToArray());
        var secondAnswer = volley.AnswerAsync(calls[1], Patience, CancellationToken.None);
        await Task.Delay(50);
        await secondVenue.SendAsync("3 Service Unavailable\r\nContent-Length: 0\r\n\r\n"u8.ToArray());

        var delivered = await volley.AnswerAsync(calls[0], Patience, CancellationToken.None);
        Assert.Equal(204, delivered?.Status);
        Assert.True(delivered?.Delivered);
        Assert.Null(delivered?.Error);
        var refused = await secondAnswer;
        Assert.Equal(503, refused?.Status);
        Assert.False(refused?.Delivered);
        Assert.Equal("answered 503 Service Unavailable", refused?.Error);
    }

    [Fact]
    public async Task AVenueThatDoesNotAnswerInTimeIsAFailedAttempt()
    {
        var call = Call("silent");
        using var volley = await OpenAsync(Connections(), call);
        var venue = await AcceptAsync();
        volley.Fire();
        await ReadRequestAsync(venue);

        var result = await volley.AnswerAsync(call, TimeSpan.FromMilliseconds(300), CancellationToken.None);

        Assert.Null(result?.Status);
        Assert.Equal("no answer within 0.3 s", result?.Error);
    }

    [Fact]
    public async Task AConnectionTheVenueClosedBeforeTheInstantLeavesTheCallToTheUsualWay()
    {
        var call = Call("closing");
        using var volley = await OpenAsync(Connections(), call);
        var venue = await AcceptAsync();
        venue.Close();
        // Wait until the close has reached this side: the venue has not seen the request.
        await Task.Delay(100);

        volley.Fire();

        Assert.Null(await volley.AnswerAsync(call, Patience, CancellationToken.None));
    }

    [Fact]
    public async Task ARefusedAddressAndAnHttpsAddressAreNotInTheVolley()
    {
        var plain = Call("plain");
        using (var refused = await OpenAsync(Connections(allowLoopback: false), plain))
        {
            Assert.Equal(0, refused.Count);
            Assert.False(refused.Holds(plain));
            Assert.Null(await refused.AnswerAsync(plain, Patience, CancellationToken.None));
        }

        var secure = Call("secure", scheme: "https");
        using var volley = await OpenAsync(Connections(), secure);
        Assert.Equal(0, volley.Count);
        Assert.False(_venues.Pending());
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK", 200, "OK")]
    [InlineData("HTTP/1.0 500 Internal Server Error", 500, "Internal Server Error")]
    [InlineData("HTTP/1.1 204", 204, "")]
    public void AStatusLineGivesItsCodeAndReason(string line, int status, string reason) =>
        Assert.Equal((status, reason), WebhookVolley.ParseStatusLine(Encoding.ASCII.GetBytes(line)));

    [Theory]
    [InlineData("")]
    [InlineData("SSH-2.0-OpenSSH_9.2")]
    [InlineData("HTTP/2 200")]
    [InlineData("HTTP/1.1 2000 OK")]
    [InlineData("HTTP/1.1 abc OK")]
    [InlineData("HTTP/1.1 099 Low")]
    public void AnythingElseIsNoStatusLine(string line) =>
        Assert.Null(WebhookVolley.ParseStatusLine(Encoding.ASCII.GetBytes(line)));

    public void Dispose()
    {
        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }
        _venues.Stop();
        _venues.Dispose();
    }
}
