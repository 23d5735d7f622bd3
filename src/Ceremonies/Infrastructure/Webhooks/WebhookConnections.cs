using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Ceremonies.Infrastructure.Webhooks;

// Every connection to a webhook goes through here: the host is resolved here and each address
// checked, so what is connected to is what was checked (no second lookup that could answer
// differently). Connections can also be opened ahead of a moment when many calls must leave at
// once: the client then takes an open one instead of connecting at that moment. Only the TCP
// connection is opened ahead; for https the TLS handshake still happens with the call.
public sealed class WebhookConnections(IOptions<WebhookOptions> options)
{
    private readonly WebhookOptions _options = options.Value;
    private readonly Dictionary<(string Host, int Port), Stack<Socket>> _open = [];

    // The stream for the client's next connection to the endpoint: one opened ahead if there is
    // one still open, otherwise a new, checked one.
    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = TakeOpen(endpoint) ?? await ConnectCheckedAsync(endpoint, cancellationToken);
        return new NetworkStream(socket, ownsSocket: true);
    }

    // Opens up to one connection per call (at most the concurrency per endpoint) to the endpoints
    // of the calls, until the time is up; connections not taken by the time the returned handle is
    // disposed are closed. A refused or unreachable endpoint is skipped: its call fails on its own.
    public async Task<IDisposable> OpenAheadAsync(IEnumerable<Uri> urls, TimeSpan within, CancellationToken cancellationToken)
    {
        var opened = new OpenedAhead(this);
        if (within <= TimeSpan.Zero)
        {
            return opened;
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(within);
        var wanted = urls.GroupBy(u => (u.IdnHost, u.Port))
            .SelectMany(g => Enumerable.Repeat(new DnsEndPoint(g.Key.IdnHost, g.Key.Port), Math.Min(g.Count(), _options.Concurrency)));
        try
        {
            await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = limit.Token }, async (endpoint, token) =>
            {
                try
                {
                    opened.Add(endpoint, await ConnectCheckedAsync(endpoint, token));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Connected again (and its failure recorded) when the call is made.
                }
            });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Time is up: the calls connect the rest themselves.
        }
        return opened;
    }

    private Socket? TakeOpen(DnsEndPoint endpoint)
    {
        lock (_open)
        {
            while (_open.TryGetValue((endpoint.Host, endpoint.Port), out var sockets) && sockets.TryPop(out var socket))
            {
                // Closed by the other side meanwhile: readable with nothing to read.
                if (!socket.Poll(0, SelectMode.SelectRead) || socket.Available > 0)
                {
                    return socket;
                }
                socket.Dispose();
            }
            return null;
        }
    }

    // A new connection to the endpoint, to an address that passed the check.
    public async Task<Socket> ConnectCheckedAsync(DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        var refusals = addresses.Select(a => (Address: a, Refusal: WebhookTargets.CheckAddress(a, _options))).ToList();
        var allowed = refusals.Where(r => r.Refusal == TargetRefusal.None).Select(r => r.Address).ToArray();
        if (allowed.Length == 0)
        {
            var refusal = refusals.Count == 0 ? TargetRefusal.Unresolvable : refusals[0].Refusal;
            throw new HttpRequestException($"the webhook address {WebhookTargets.Describe(refusal)}");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endpoint.Port, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // The connections one OpenAheadAsync opened; disposing it closes those the client did not take.
    private sealed class OpenedAhead(WebhookConnections connections) : IDisposable
    {
        private readonly List<((string, int) Key, Socket Socket)> _mine = [];

        public void Add(DnsEndPoint endpoint, Socket socket)
        {
            var key = (endpoint.Host, endpoint.Port);
            lock (connections._open)
            {
                if (!connections._open.TryGetValue(key, out var sockets))
                {
                    connections._open[key] = sockets = new Stack<Socket>();
                }
                sockets.Push(socket);
                _mine.Add((key, socket));
            }
        }

        public void Dispose()
        {
            var left = new List<Socket>();
            lock (connections._open)
            {
                foreach (var group in _mine.GroupBy(m => m.Key))
                {
                    if (!connections._open.TryGetValue(group.Key, out var sockets))
                    {
                        continue;
                    }
                    var mine = group.Select(m => m.Socket).ToHashSet();
                    var others = sockets.Where(s => !mine.Contains(s)).Reverse().ToList();
                    left.AddRange(sockets.Where(mine.Contains));
                    if (others.Count == 0)
                    {
                        connections._open.Remove(group.Key);
                    }
                    else
                    {
                        connections._open[group.Key] = new Stack<Socket>(others);
                    }
                }
                _mine.Clear();
            }
            foreach (var socket in left)
            {
                socket.Dispose();
            }
        }
    }
}
