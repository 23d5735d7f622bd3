using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ceremonies.Infrastructure.Webhooks;

// Calls that must all leave at one instant (a minute of silence's begin to every venue). Before
// the instant each call gets its own connection, opened and checked as every webhook connection is
// (WebhookConnections), and its whole request as bytes; at the instant Fire only writes those
// bytes, one system call a call, on the thread that waited for the instant. Through HttpClient,
// which builds, checks and writes each request when it is sent, 1,000 calls left over ~100 ms on
// this service's two cores; written ahead they leave in ~15 ms (docs/silence.md). This is the
// small part of HTTP/1.1 such a call needs, written here because no client offers "send this
// prepared request at that instant": one request per connection ("Connection: close"), and of the
// answer only its status line. Plain http only: a call to an https address is left to
// WebhookSender (its TCP connection is still opened ahead, by WebhookConnections).
public sealed class WebhookVolley : IDisposable
{
    // Enough for "HTTP/1.1 503 Service Unavailable" and a long reason; a venue answering more
    // without a line break has not answered HTTP.
    private const int StatusLineMax = 512;

    private readonly TimeProvider _clock;
    private readonly List<Slot> _slots = [];
    private readonly Dictionary<WebhookCall, Slot> _byCall = new(ReferenceEqualityComparer.Instance);
    private long _firedAt;

    private WebhookVolley(TimeProvider clock) => _clock = clock;

    private sealed class Slot(Socket socket, byte[] request)
    {
        public Socket Socket { get; } = socket;
        public byte[] Request { get; } = request;
        public bool Written { get; set; }
    }

    // Opens a connection for each plain-http call (the first `limit` of them) until the time is
    // up. A refused or unreachable address is skipped: its call fails on its own, the usual way.
    public static async Task<WebhookVolley> OpenAsync(
        WebhookConnections connections, IEnumerable<WebhookCall> calls, int limit, TimeSpan within, TimeProvider clock, CancellationToken cancellationToken)
    {
        var volley = new WebhookVolley(clock);
        if (within <= TimeSpan.Zero || limit == 0)
        {
            return volley;
        }
        var wanted = calls.Where(c => c.Url.Scheme == Uri.UriSchemeHttp).Take(limit).ToList();
        var opened = new Socket?[wanted.Count];
        using var time = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        time.CancelAfter(within);
        try
        {
            await Parallel.ForAsync(0, wanted.Count, new ParallelOptions { MaxDegreeOfParallelism = 128, CancellationToken = time.Token }, async (i, token) =>
            {
                try
                {
                    opened[i] = await connections.ConnectCheckedAsync(new DnsEndPoint(wanted[i].Url.IdnHost, wanted[i].Url.Port), token);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Connected again (and its failure recorded) when the call is made.
                }
            });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Time is up: the calls without a connection make their own.
        }
        // In the calls' order, so that venues are written to in the order they were claimed.
        for (var i = 0; i < wanted.Count; i++)
        {
            if (opened[i] is { } socket)
            {
                var slot = new Slot(socket, RequestOf(wanted[i]));
                volley._slots.Add(slot);
                volley._byCall[wanted[i]] = slot;
            }
        }
        return volley;
    }

    public int Count => _slots.Count;

    public bool Holds(WebhookCall call) => _byCall.ContainsKey(call);

    // When Fire began writing: the moment each call of the volley was attempted.
    public DateTimeOffset FiredAt { get; private set; }

    // Writes every prepared request without waiting for any answer. A request is small and its
    // connection's send buffer empty, so each write completes at once; what it costs is the
    // kernel's work (on loopback, the receiving side's too), ~15-25 µs a write here. A large
    // volley is written by one thread per core (the calling one and pool threads), each taking
    // every n-th call, so that the calls claimed first still leave first. A rehearsal names the
    // number of writers, so that a small volley runs the code of a large one before any instant.
    public void Fire(int? writers = null)
    {
        FiredAt = _clock.GetUtcNow();
        _firedAt = _clock.GetTimestamp();
        writers ??= _slots.Count >= CallsPerWriter * 2 ? Math.Min(Environment.ProcessorCount, _slots.Count / CallsPerWriter) : 1;
        if (writers <= 1)
        {
            Write(0, 1);
        }
        else
        {
            var step = writers.Value;
            Parallel.For(0, step, new ParallelOptions { MaxDegreeOfParallelism = step }, first => Write(first, step));
        }
    }

    // Below this many calls a second thread costs more to start than it saves.
    private const int CallsPerWriter = 128;

    private void Write(int first, int step)
    {
        for (var i = first; i < _slots.Count; i += step)
        {
            var slot = _slots[i];
            try
            {
                slot.Socket.Send(slot.Request);
                slot.Written = true;
            }
            catch (SocketException)
            {
                // Closed by the venue while it waited: it has not seen the request (AnswerAsync).
            }
        }
    }

    // The call's outcome if it went out with the volley; null if it did not, or if the connection
    // ended before a byte of an answer (a venue closing an idle connection): the venue has then not
    // taken the request, and the caller sends it the usual way.
    public async Task<WebhookResult?> AnswerAsync(WebhookCall call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_byCall.TryGetValue(call, out var slot) || !slot.Written)
        {
            return null;
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var answer = new byte[StatusLineMax];
        var read = 0;
        try
        {
            while (read < answer.Length)
            {
                var n = await slot.Socket.ReceiveAsync(answer.AsMemory(read), SocketFlags.None, limit.Token);
                if (n == 0)
                {
                    return read == 0 ? null : Result(null, "closed the connection in the middle of its answer");
                }
                read += n;
                if (answer.AsSpan(0, read).IndexOf("\r\n"u8) is var end and >= 0)
                {
                    return ParseStatusLine(answer.AsSpan(0, end)) is var (status, reason)
                        ? Result(status, status is >= 200 and < 300 ? null : $"answered {status} {reason}")
                        : Result(null, "answered with no HTTP status line");
                }
            }
            return Result(null, "answered with no HTTP status line");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Result(null, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException e) when (read == 0 && e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return null;
        }
        catch (SocketException e)
        {
            return Result(null, e.Message);
        }
        finally
        {
            slot.Socket.Dispose();
        }
    }

    private WebhookResult Result(int? status, string? error) => new(status, error, _clock.GetElapsedTime(_firedAt));

    // "HTTP/1.1 200 OK" → (200, "OK").
    public static (int Status, string Reason)? ParseStatusLine(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("HTTP/1."u8) || line.Length < 12 || line[8] != (byte)' ' ||
            !int.TryParse(line.Slice(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status < 100 ||
            (line.Length > 12 && line[12] != (byte)' '))
        {
            return null;
        }
        var reason = line.Length > 13 ? Encoding.ASCII.GetString(line[13..]) : "";
        return (status, reason.Length <= 100 ? reason : reason[..100]);
    }

    // The request as WebhookSender sends it, but asking the venue to close the connection after
    // its answer (one call per connection), and with its length given as the header.
    public static byte[] RequestOf(WebhookCall call)
    {
        var url = call.Url;
        var host = url.IsDefaultPort ? url.IdnHost : $"{url.IdnHost}:{url.Port.ToString(CultureInfo.InvariantCulture)}";
        var length = call.Body.Length.ToString(CultureInfo.InvariantCulture);
        var head =
            $"POST {url.PathAndQuery} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json; charset=utf-8\r\n" +
            $"Content-Length: {length}\r\n{WebhookSender.TimestampHeader}: {call.Timestamp}\r\n" +
            $"{WebhookSender.SignatureHeader}: {call.Signature}\r\n{WebhookSender.DeliveryHeader}: {call.DeliveryId}\r\n" +
            "Connection: close\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. call.Body];
    }

    public void Dispose()
    {
        foreach (var slot in _slots)
        {
            slot.Socket.Dispose();
        }
    }
}
