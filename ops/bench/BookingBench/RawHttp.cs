using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

// The load generator shares two cores with the app and PostgreSQL, so it should cost as little as
// it can: one keep-alive socket per request in flight, requests written as bytes, and of each answer
// only the status, where it ends (Content-Length or the last chunk) and two headers are read.
// HttpClient does far more per request; it is still used to set the benchmark up.
internal sealed class RawHttp(IPEndPoint server, string host, string bearerToken)
{
    private static readonly byte[] HeadersEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LastChunk = "\r\n0\r\n\r\n"u8.ToArray();
    private readonly ConcurrentBag<Connection> _idle = [];

    public async Task<Answer> PostJsonAsync(string path, string json, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var head = Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {bearerToken}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n");
        var request = new byte[head.Length + body.Length];
        head.CopyTo(request, 0);
        body.CopyTo(request, head.Length);

        if (!_idle.TryTake(out var connection))
        {
            connection = await Connection.OpenAsync(server, cancellationToken);
        }
        try
        {
            var answer = await connection.ExchangeAsync(request, cancellationToken);
            _idle.Add(connection);
            return answer;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private sealed class Connection(Socket socket) : IDisposable
    {
        private byte[] _buffer = new byte[16 * 1024];

        public static async Task<Connection> OpenAsync(IPEndPoint server, CancellationToken cancellationToken)
        {
            var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(server, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            return new Connection(socket);
        }

        public async Task<Answer> ExchangeAsync(byte[] request, CancellationToken cancellationToken)
        {
            await socket.SendAsync(request, SocketFlags.None, cancellationToken);
            var length = 0;
            var headersEnd = -1;
            Head head = default;
            while (true)
            {
                if (length == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
                var read = await socket.ReceiveAsync(_buffer.AsMemory(length), SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    throw new IOException("the server closed the connection");
                }
                length += read;
                if (headersEnd < 0)
                {
                    var at = _buffer.AsSpan(0, length).IndexOf(HeadersEnd);
                    if (at < 0)
                    {
                        continue;
                    }
                    headersEnd = at + HeadersEnd.Length;
                    head = ReadHead(_buffer.AsSpan(0, at));
                }
                var complete = head.ContentLength is { } n
                    ? length >= headersEnd + n
                    : _buffer.AsSpan(0, length).EndsWith(LastChunk); // chunked: nothing follows the last chunk
                if (complete)
                {
                    // "HTTP/1.1 201 Created"
                    var status = int.Parse(Encoding.ASCII.GetString(_buffer, 9, 3), System.Globalization.CultureInfo.InvariantCulture);
                    return new Answer(status, head.Location, head.RetryAfter);
                }
            }
        }

        // Of the headers, only those the benchmark and the drills look at.
        private static Head ReadHead(ReadOnlySpan<byte> headers)
        {
            var head = default(Head);
            foreach (var line in Encoding.ASCII.GetString(headers).Split("\r\n"))
            {
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                {
                    head.ContentLength = long.Parse(line.AsSpan("Content-Length:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("Location:", StringComparison.OrdinalIgnoreCase))
                {
                    head.Location = line["Location:".Length..].Trim();
                }
                else if (line.StartsWith("Retry-After:", StringComparison.OrdinalIgnoreCase))
                {
                    head.RetryAfter = line["Retry-After:".Length..].Trim();
                }
            }
            return head;
        }

        private struct Head
        {
            public long? ContentLength;
            public string? Location;
            public string? RetryAfter;
        }

        public void Dispose() => socket.Dispose();
    }
}

// An answer's status and the two headers a drill reads: where the created booking is, and when to
// come back after a 503.
internal readonly record struct Answer(int Status, string? Location, string? RetryAfter);
