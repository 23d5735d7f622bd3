using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

// The load generator shares two cores with the app and PostgreSQL, so it should cost as little as
// it can: one keep-alive socket per request in flight, requests written as bytes, and of each answer
// only the status and where it ends are read (Content-Length or the last chunk). HttpClient does far
// more per request; it is still used to set the benchmark up.
internal sealed class RawHttp(IPEndPoint server, string host, string bearerToken)
{
    private static readonly byte[] HeadersEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LastChunk = "\r\n0\r\n\r\n"u8.ToArray();
    private readonly ConcurrentBag<Connection> _idle = [];

    public async Task<int> PostJsonAsync(string path, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var head = Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {bearerToken}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n");
        var request = new byte[head.Length + body.Length];
        head.CopyTo(request, 0);
        body.CopyTo(request, head.Length);

        if (!_idle.TryTake(out var connection))
        {
            connection = await Connection.OpenAsync(server);
        }
        try
        {
            var status = await connection.ExchangeAsync(request);
            _idle.Add(connection);
            return status;
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

        public static async Task<Connection> OpenAsync(IPEndPoint server)
        {
            var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(server);
            return new Connection(socket);
        }

        public async Task<int> ExchangeAsync(byte[] request)
        {
            await socket.SendAsync(request, SocketFlags.None);
            var length = 0;
            var headersEnd = -1;
            long? contentLength = null;
            while (true)
            {
                if (length == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
                var read = await socket.ReceiveAsync(_buffer.AsMemory(length), SocketFlags.None);
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
                    contentLength = ContentLength(_buffer.AsSpan(0, at));
                }
                var complete = contentLength is { } n
                    ? length >= headersEnd + n
                    : _buffer.AsSpan(0, length).EndsWith(LastChunk); // chunked: nothing follows the last chunk
                if (complete)
                {
                    // "HTTP/1.1 201 Created"
                    return int.Parse(Encoding.ASCII.GetString(_buffer, 9, 3), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        private static long? ContentLength(ReadOnlySpan<byte> headers)
        {
            foreach (var line in Encoding.ASCII.GetString(headers).Split("\r\n"))
            {
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                {
                    return long.Parse(line.AsSpan("Content-Length:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            return null;
        }

        public void Dispose() => socket.Dispose();
    }
}
