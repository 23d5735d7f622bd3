using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

// A stand-in for many venues' PA systems on 127.0.0.1, for the silence drills and benchmarks:
// answers every POST with 200 and an empty body, and logs one line per call, as
// "arrived<TAB>path<TAB>signal<TAB>signed|UNSIGNED<TAB>body": the time it arrived (epoch seconds,
// microseconds), the path, the body's "signal", whether the HMAC signature matches the venue's
// secret (SECRETS holds "path<TAB>secret" lines; a path not in it is UNSIGNED) and the body.
//
// A call arrived when its first bytes reached this machine's socket: the kernel stamps each read
// with when it received the data (SO_TIMESTAMPNS), and a request takes the stamp of the read that
// brought its first bytes. The receiver shares the machine's two cores with the worker it measures;
// with 1,000 calls at once a server's own processing falls 80-100 ms behind the calls (Kestrel's
// did), so a clock read in the handler timed the stand-in's CPU rather than the call's arrival at
// the venue. Hence this minimal HTTP/1.1 server on raw sockets instead of Kestrel: enough for what
// the service's HttpClient sends (POSTs with a Content-Length, keep-alive or "Connection: close").
//
// It replaced a Python server with a thread per connection, too slow to time the tens of
// milliseconds that matter here. A request only takes its time and keeps what it read in memory;
// the signature check, the JSON and the file are a background loop's work, every 200 ms once calls
// have stopped coming for as long (at the latest 5 s after the last write), and once more at
// shutdown (SIGTERM or SIGINT), so the measuring path does no file I/O.
//
// Usage: SignalReceiver PORT LOG SECRETS. It prints "ready" once it listens and has warmed up.
if (args.Length != 3 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var port))
{
    await Console.Error.WriteLineAsync("usage: SignalReceiver PORT LOG SECRETS");
    return 2;
}
var secrets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
foreach (var line in File.ReadLines(args[2]))
{
    if (line.Split('\t', 2) is [var path, var secret])
    {
        secrets[path] = Encoding.UTF8.GetBytes(secret);
    }
}

var calls = new ConcurrentQueue<Call>();
var lastCall = DateTime.MinValue.Ticks;
using var log = new StreamWriter(args[1], append: true, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
using var stopping = new CancellationTokenSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

using var listener = Listen(port);
var accepting = AcceptAllAsync(listener, stopping.Token);
var writing = WriteEveryAsync(TimeSpan.FromMilliseconds(200), stopping.Token);
await WarmUpAsync(port);
Console.WriteLine("ready");
// Accepts until SIGTERM or SIGINT; then new connections are refused and what is left is written.
await accepting;
listener.Dispose();
await writing;
Write();
return 0;

void Stop(PosixSignalContext context)
{
    // Not the default, which ends the process at once: the calls held are written first.
    context.Cancel = true;
    stopping.Cancel();
}

static Socket Listen(int port)
{
    var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    try
    {
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        // Set on the listener, accepted connections inherit it from the kernel: even a request that
        // arrives before its connection has been accepted here is stamped.
        KernelStamps.Enable(listener);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        // Thousands of venues connect within a few milliseconds of T; the kernel caps this at
        // net.core.somaxconn.
        listener.Listen(8192);
        return listener;
    }
    catch
    {
        listener.Dispose();
        throw;
    }
}

async Task AcceptAllAsync(Socket listener, CancellationToken cancellationToken)
{
    while (true)
    {
        Socket connection;
        try
        {
            connection = await listener.AcceptAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (SocketException)
        {
            // A connection reset before it was accepted fails alone.
            continue;
        }
        _ = ServeAsync(connection);
    }
}

// One venue's connection: each read takes what has arrived with the kernel's stamp, and each
// request is answered as soon as it is whole, until the venue closes or asks to, or sends what
// this receiver refuses.
async Task ServeAsync(Socket connection)
{
    using (connection)
    {
        // Only this method disposes the socket, so the descriptor stays valid while it runs.
        var descriptor = (int)connection.Handle;
        var buffer = new byte[4096];
        var count = 0;
        var firstBytesArrived = default(DateTime);
        try
        {
            while (true)
            {
                // Waits, without a buffer, until the kernel has data (or the end of the stream).
                await connection.ReceiveAsync(Memory<byte>.Empty);
                if (count == buffer.Length)
                {
                    // Bounded: TryAnswer refuses a head or body above its limit before this grows past them.
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                var read = KernelStamps.Receive(descriptor, buffer.AsSpan(count), out var arrived);
                if (read == KernelStamps.NothingYet)
                {
                    continue;
                }
                if (read == 0)
                {
                    return;
                }
                if (count == 0)
                {
                    firstBytesArrived = arrived;
                }
                count += read;

                while (TryAnswer(buffer.AsSpan(0, count), firstBytesArrived) is { } answer)
                {
                    await connection.SendAsync(answer.Response.Bytes(answer.Close));
                    if (answer.Close)
                    {
                        return;
                    }
                    buffer.AsSpan(answer.Consumed, count - answer.Consumed).CopyTo(buffer);
                    count -= answer.Consumed;
                    // The next request's first bytes, if any are here, came with the last read.
                    firstBytesArrived = arrived;
                }
            }
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // The venue reset the connection: it ends only this one.
        }
    }
}

// The answer to the request at the start of data once it is whole (null while more must come),
// with how many bytes it took. A POST's call is queued here, stamped with when its first bytes arrived.
Answer? TryAnswer(ReadOnlySpan<byte> data, DateTime arrived)
{
    switch (RequestHead.Parse(data, out var head))
    {
        case Parsed.Incomplete:
            return data.Length < RequestHead.MaxLength ? null : Answer.Refusal(Response.HeadTooLarge);
        case Parsed.Malformed:
            return Answer.Refusal(Response.BadRequest);
    }
    // HttpClient sends every body with a Content-Length; one framed otherwise cannot be read here.
    if (head.HasTransferEncoding || (head.IsPost && head.ContentLength is null))
    {
        return Answer.Refusal(head.IsPost ? Response.LengthRequired : Response.MethodNotAllowed);
    }
    var bodyLength = head.ContentLength ?? 0;
    if (bodyLength > RequestHead.MaxBodyLength)
    {
        return Answer.Refusal(Response.ContentTooLarge);
    }
    var length = head.Length + (int)bodyLength;
    if (data.Length < length)
    {
        return null;
    }
    if (!head.IsPost)
    {
        return new Answer(Response.MethodNotAllowed, length, !head.KeepAlive);
    }
    calls.Enqueue(new Call(arrived, head.Target, head.Timestamp, head.Signature, data[head.Length..length].ToArray()));
    // When this receiver last had a call in hand, for the writer to wait until it has none.
    Volatile.Write(ref lastCall, DateTime.UtcNow.Ticks);
    return new Answer(Response.Ok, length, !head.KeepAlive);
}

// Checking signatures and writing took a fifth of the receiver's CPU in a burst of 10,000 calls:
// while calls keep coming it waits (up to a bound), leaving the cores to the workers being measured.
async Task WriteEveryAsync(TimeSpan interval, CancellationToken cancellationToken)
{
    var bound = TimeSpan.FromSeconds(5).Ticks;
    var written = DateTime.UtcNow.Ticks;
    using var timer = new PeriodicTimer(interval);
    try
    {
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = DateTime.UtcNow.Ticks;
            if (now - Volatile.Read(ref lastCall) >= interval.Ticks || now - written >= bound)
            {
                Write();
                written = now;
            }
        }
    }
    catch (OperationCanceledException)
    {
    }
}

void Write()
{
    var any = false;
    while (calls.TryDequeue(out var call))
    {
        if (call.Path != Call.WarmUpPath)
        {
            log.Write(call.ToLine(secrets));
            any = true;
        }
    }
    if (any)
    {
        log.Flush();
    }
}

// The first requests of a process run code not yet compiled (tens of ms here): send some through
// the same path, over new and reused connections at once, before saying ready. They are not logged.
static async Task WarmUpAsync(int port)
{
    var body = """{"signal":"warm-up"}"""u8.ToArray();
    var request = Encoding.ASCII.GetBytes(
        $"POST {Call.WarmUpPath} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n" +
        $"{Call.TimestampHeader}: 0\r\n{Call.SignatureHeader}: sha256=0\r\nContent-Length: {body.Length}\r\n\r\n")
        .Concat(body).ToArray();
    await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var answer = new byte[1024];
        for (var i = 0; i < 10; i++)
        {
            await socket.SendAsync(request);
            // The answer has no body: it ends with its headers.
            var received = 0;
            while (received < 4 || !answer.AsSpan(received - 4, 4).SequenceEqual("\r\n\r\n"u8))
            {
                var n = await socket.ReceiveAsync(answer.AsMemory(received));
                if (n == 0)
                {
                    throw new IOException("the receiver closed the warm-up connection");
                }
                received += n;
            }
        }
    }));
}

internal readonly record struct Call(DateTime Arrived, string Path, string Timestamp, string Signature, byte[] Body)
{
    public const string TimestampHeader = "Ceremonies-Timestamp";
    public const string SignatureHeader = "Ceremonies-Signature";
    public const string WarmUpPath = "/warm-up";

    public string ToLine(Dictionary<string, byte[]> secrets)
    {
        var micros = (Arrived.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
        var signed = secrets.TryGetValue(Path, out var secret) && Signature == Sign(secret, Timestamp, Body);
        return string.Create(CultureInfo.InvariantCulture,
            $"{micros / 1_000_000}.{micros % 1_000_000:D6}\t{Path}\t{SignalOf(Body)}\t{(signed ? "signed" : "UNSIGNED")}\t{Encoding.UTF8.GetString(Body)}\n");
    }

    // As the service signs: "sha256=" and the lowercase hex of HMAC-SHA256 over "{timestamp}.{body}".
    private static string Sign(byte[] secret, string timestamp, byte[] body)
    {
        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, signed));
    }

    private static string SignalOf(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("signal", out var signal)
                ? signal.ToString()
                : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }
}

internal enum Parsed
{
    Incomplete,
    Malformed,
    Whole,
}

// What this receiver reads of a request's head (request line and headers): Length counts its bytes
// up to and including the blank line; the body follows.
internal readonly record struct RequestHead(
    int Length, bool IsPost, string Target, bool KeepAlive, long? ContentLength, bool HasTransferEncoding,
    string Timestamp, string Signature)
{
    public const int MaxLength = 16 * 1024;
    public const int MaxBodyLength = 64 * 1024;

    public static Parsed Parse(ReadOnlySpan<byte> data, out RequestHead head)
    {
        head = default;
        var end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return Parsed.Incomplete;
        }
        // The request line, then the header lines: each ends with CRLF.
        var lines = data[..(end + 2)];
        var requestLine = NextLine(ref lines);

        // METHOD SP TARGET SP VERSION
        var first = requestLine.IndexOf((byte)' ');
        var last = requestLine.LastIndexOf((byte)' ');
        if (first <= 0 || last <= first + 1)
        {
            return Parsed.Malformed;
        }
        // Without "Connection: keep-alive" an HTTP/1.0 client expects the end of the stream: close.
        var keepAlive = requestLine[(last + 1)..].SequenceEqual("HTTP/1.1"u8);
        long? contentLength = null;
        var hasTransferEncoding = false;
        string timestamp = "", signature = "";
        while (!lines.IsEmpty)
        {
            var header = NextLine(ref lines);
            var colon = header.IndexOf((byte)':');
            if (colon <= 0)
            {
                return Parsed.Malformed;
            }
            var name = header[..colon];
            var value = header[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                    || (contentLength is { } earlier && earlier != parsed))
                {
                    return Parsed.Malformed;
                }
                contentLength = parsed;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                hasTransferEncoding = true;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                keepAlive &= !HasToken(value, "close"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, Call.TimestampHeader))
            {
                timestamp = Encoding.Latin1.GetString(value);
            }
            else if (Ascii.EqualsIgnoreCase(name, Call.SignatureHeader))
            {
                signature = Encoding.Latin1.GetString(value);
            }
        }
        head = new RequestHead(
            end + 4, requestLine[..first].SequenceEqual("POST"u8), Encoding.Latin1.GetString(requestLine[(first + 1)..last]),
            keepAlive, contentLength, hasTransferEncoding, timestamp, signature);
        return Parsed.Whole;
    }

    private static ReadOnlySpan<byte> NextLine(ref ReadOnlySpan<byte> lines)
    {
        var end = lines.IndexOf("\r\n"u8);
        var line = lines[..end];
        lines = lines[(end + 2)..];
        return line;
    }

    // Whether a comma-separated header value such as Connection's holds the token.
    private static bool HasToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }
        return false;
    }
}

// The answers, none with a body; "Connection: close" on those after which this receiver closes.
internal sealed class Response
{
    public static readonly Response Ok = new("200 OK");
    public static readonly Response BadRequest = new("400 Bad Request");
    public static readonly Response MethodNotAllowed = new("405 Method Not Allowed");
    public static readonly Response LengthRequired = new("411 Length Required");
    public static readonly Response ContentTooLarge = new("413 Content Too Large");
    public static readonly Response HeadTooLarge = new("431 Request Header Fields Too Large");

    private readonly byte[] _keepingOpen;
    private readonly byte[] _closing;

    private Response(string status)
    {
        _keepingOpen = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
        _closing = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }

    public byte[] Bytes(bool close) => close ? _closing : _keepingOpen;
}

// What to send for a request, how many bytes of the connection it took, and whether to close then.
internal readonly record struct Answer(Response Response, int Consumed, bool Close)
{
    // A request this receiver cannot or will not read: answered, then the connection is closed.
    public static Answer Refusal(Response response) => new(response, 0, Close: true);
}

// Reads from a socket with the time the kernel received the data (64-bit Linux: recvmsg(2) with
// SO_TIMESTAMPNS, the structures as in <sys/socket.h>).
internal static partial class KernelStamps
{
    // What Receive returns when the kernel has nothing to read after all: wait again.
    public const int NothingYet = -1;

    private const int SolSocket = 1;
    // The option, and the type of the control message that carries its stamp (SCM_TIMESTAMPNS).
    private const int SoTimestampNs = 35;
    private const int MsgDontWait = 0x40;
    private const int EAgain = 11;
    private const int EIntr = 4;

    public static void Enable(Socket socket) => socket.SetRawSocketOption(SolSocket, SoTimestampNs, BitConverter.GetBytes(1));

    // Reads what has arrived into buffer without waiting: the number of bytes (0 at the end of the
    // stream, NothingYet if none) and when the kernel received them. Over TCP the stamp is the last
    // segment's that the read took; a request from HttpClient comes in one or two segments, sent
    // together.
    public static unsafe int Receive(int descriptor, Span<byte> buffer, out DateTime received)
    {
        ControlMessage control;
        fixed (byte* data = buffer)
        {
            var vector = new IoVector { Base = data, Length = (nuint)buffer.Length };
            var message = new MessageHeader
            {
                Vector = &vector,
                VectorLength = 1,
                Control = &control,
                ControlLength = (nuint)sizeof(ControlMessage),
            };
            var count = ReceiveMessage(descriptor, &message, MsgDontWait);
            if (count < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                received = default;
                return error is EAgain or EIntr ? NothingYet : throw new IOException(Marshal.GetPInvokeErrorMessage(error));
            }
            // Every read that brings data carries the stamp once the option is on; were it missing,
            // the clock now is late, never early.
            received = message.ControlLength >= (nuint)sizeof(ControlMessage) && control.Level == SolSocket && control.Type == SoTimestampNs
                ? DateTime.UnixEpoch.AddTicks(control.Seconds * TimeSpan.TicksPerSecond + control.Nanoseconds / TimeSpan.NanosecondsPerTick)
                : DateTime.UtcNow;
            return (int)count;
        }
    }

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static unsafe partial nint ReceiveMessage(int descriptor, MessageHeader* message, int flags);

    // struct iovec
    private unsafe struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    // struct msghdr
    private unsafe struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vector;
        public nuint VectorLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    // struct cmsghdr followed by the struct timespec of SCM_TIMESTAMPNS: the only control message
    // asked for.
    private struct ControlMessage
    {
        public nuint Length;
        public int Level;
        public int Type;
        public long Seconds;
        public long Nanoseconds;
    }
}
