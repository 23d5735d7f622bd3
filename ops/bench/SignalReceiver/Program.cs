using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

// A stand-in for many venues' PA systems on 127.0.0.1, for the silence drills and benchmarks:
// answers every POST with 200 and an empty body, and logs one line per call, as
// "arrived<TAB>path<TAB>signal<TAB>signed|UNSIGNED<TAB>body": the time it arrived (epoch seconds,
// microseconds), the path, the body's "signal", whether the HMAC signature matches the venue's
// secret (SECRETS holds "path<TAB>secret" lines; a path not in it is UNSIGNED) and the body.
//
// It replaces a Python server with a thread per connection, too slow to time the tens of
// milliseconds that matter here. A request only takes its time and keeps what it read in memory;
// the signature check, the JSON and the file are a background loop's work, every 200 ms once calls
// have stopped coming for as long (at the latest 5 s after the last write), and once more at
// shutdown (SIGTERM included), so the measuring path does no file I/O.
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

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
{
    EnvironmentName = Environments.Production,
    // Not the caller's folder: an appsettings.json there must not change this tool.
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxConcurrentConnections = null;
    kestrel.Limits.MaxConcurrentUpgradedConnections = null;
    kestrel.Listen(IPAddress.Loopback, port);
});
// Thousands of venues connect within a few milliseconds of T; the kernel caps this at
// net.core.somaxconn.
builder.Services.Configure<SocketTransportOptions>(sockets => sockets.Backlog = 8192);
var app = builder.Build();

var calls = new ConcurrentQueue<Call>();
var lastArrival = DateTime.MinValue.Ticks;
app.Run(async context =>
{
    // DateTime.UtcNow is clock_gettime(CLOCK_REALTIME) on Linux (100 ns ticks, a vDSO call): the
    // wall clock the workers aim at T with, read as soon as Kestrel hands over the parsed headers.
    var arrived = DateTime.UtcNow;
    var request = context.Request;
    if (!HttpMethods.IsPost(request.Method))
    {
        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        context.Response.ContentLength = 0;
        return;
    }
    Volatile.Write(ref lastArrival, arrived.Ticks);
    var body = await ReadBodyAsync(request.BodyReader, context.RequestAborted);
    calls.Enqueue(new Call(
        arrived,
        context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
        request.Headers[Call.TimestampHeader].ToString(),
        request.Headers[Call.SignatureHeader].ToString(),
        body));
    context.Response.ContentLength = 0;
});

using var log = new StreamWriter(args[1], append: true, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
using var stopWriting = new CancellationTokenSource();
var writing = WriteEveryAsync(TimeSpan.FromMilliseconds(200), stopWriting.Token);

await app.StartAsync();
await WarmUpAsync(port);
Console.WriteLine("ready");
// Returns once Kestrel has stopped and answered what was in flight; then the rest is written.
await app.WaitForShutdownAsync();
await stopWriting.CancelAsync();
await writing;
Write();
return 0;

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
            if (now - Volatile.Read(ref lastArrival) >= interval.Ticks || now - written >= bound)
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

static async Task<byte[]> ReadBodyAsync(PipeReader reader, CancellationToken cancellationToken)
{
    while (true)
    {
        var read = await reader.ReadAsync(cancellationToken);
        if (read.IsCompleted)
        {
            var body = read.Buffer.ToArray();
            reader.AdvanceTo(read.Buffer.End);
            return body;
        }
        reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
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
