using System.Net;
using System.Net.Sockets;
using Ceremonies.Infrastructure.Webhooks;
using Microsoft.Extensions.Options;

namespace Ceremonies.Tests.Infrastructure.Webhooks;

// Real sockets on 127.0.0.1: a listener stands for a venue's PA system.
public sealed class WebhookConnectionsTests : IDisposable
{
    private readonly TcpListener _venue = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];

    public WebhookConnectionsTests() => _venue.Start();

    private Uri Hook(string path) => new($"http://127.0.0.1:{((IPEndPoint)_venue.LocalEndpoint).Port}/{path}");

    private DnsEndPoint Endpoint => new("127.0.0.1", ((IPEndPoint)_venue.LocalEndpoint).Port);

    private static WebhookConnections Connections(bool allowLoopback) =>
        new(Options.Create(new WebhookOptions { AllowLoopback = allowLoopback, Concurrency = 2 }));

    // The next connections to arrive at the venue (their peers' ports). Whether none arrived
    // is asked with Pending(), which can only miss one still on its way, never see one too many.
    private async Task<List<int>> AcceptAsync(int count)
    {
        var peers = new List<int>();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (var i = 0; i < count; i++)
        {
            var socket = await _venue.AcceptSocketAsync(wait.Token);
            _accepted.Add(socket);
            peers.Add(PortOf(socket.RemoteEndPoint));
        }
        return peers;
    }

    private static int PortOf(EndPoint? endpoint) => ((IPEndPoint)endpoint!).Port;

    [Fact]
    public async Task ConnectionsOpenedAheadAreTheOnesTheCallsTakeAndTheRestAreNew()
    {
        var connections = Connections(allowLoopback: true);

        // Three calls to one endpoint with a concurrency of two: two connections are opened ahead.
        using (await connections.OpenAheadAsync([Hook("v1"), Hook("v2"), Hook("v3")], TimeSpan.FromSeconds(10), CancellationToken.None))
        {
            var openedAhead = await AcceptAsync(2);

            await using var first = (NetworkStream)await connections.ConnectAsync(Endpoint, CancellationToken.None);
            await using var second = (NetworkStream)await connections.ConnectAsync(Endpoint, CancellationToken.None);
            Assert.Equivalent(openedAhead, new[] { PortOf(first.Socket.LocalEndPoint), PortOf(second.Socket.LocalEndPoint) });

            await using var third = (NetworkStream)await connections.ConnectAsync(Endpoint, CancellationToken.None);
            Assert.Equal([PortOf(third.Socket.LocalEndPoint)], await AcceptAsync(1));
            Assert.False(_venue.Pending());
        }
    }

    [Fact]
    public async Task ConnectionsNotTakenAreClosedWhenTheirMomentHasPassed()
    {
        var connections = Connections(allowLoopback: true);
        var opened = await connections.OpenAheadAsync([Hook("v1"), Hook("v2")], TimeSpan.FromSeconds(10), CancellationToken.None);
        await AcceptAsync(2);
        await using var taken = (NetworkStream)await connections.ConnectAsync(Endpoint, CancellationToken.None);

        opened.Dispose();

        // The venue sees the untaken connection end (a read of nothing), the taken one stays open.
        var untaken = _accepted.Single(s => PortOf(s.RemoteEndPoint) != PortOf(taken.Socket.LocalEndPoint));
        var kept = _accepted.Single(s => PortOf(s.RemoteEndPoint) == PortOf(taken.Socket.LocalEndPoint));
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await untaken.ReceiveAsync(new byte[1], SocketFlags.None, wait.Token));
        await taken.WriteAsync("ping"u8.ToArray());
        var buffer = new byte[4];
        Assert.Equal(4, await kept.ReceiveAsync(buffer, SocketFlags.None, wait.Token));

        // And a new call connects anew.
        await using var next = (NetworkStream)await connections.ConnectAsync(Endpoint, CancellationToken.None);
        Assert.Equal([PortOf(next.Socket.LocalEndPoint)], await AcceptAsync(1));
    }

    [Fact]
    public async Task ARefusedAddressIsNeverConnectedAheadAndItsCallFailsWithTheReason()
    {
        var connections = Connections(allowLoopback: false);

        using (await connections.OpenAheadAsync([Hook("v1")], TimeSpan.FromSeconds(10), CancellationToken.None))
        {
            Assert.False(_venue.Pending());
            var refused = await Assert.ThrowsAsync<HttpRequestException>(async () => await connections.ConnectAsync(Endpoint, CancellationToken.None));
            Assert.Contains("loopback", refused.Message, StringComparison.OrdinalIgnoreCase);
            Assert.False(_venue.Pending());
        }
    }

    public void Dispose()
    {
        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }
        _venue.Stop();
        _venue.Dispose();
    }
}
