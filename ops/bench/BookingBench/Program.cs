using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

// Load for POST /api/halls/{id}/bookings against a running Ceremonies: every request books a
// distinct free slot, so every answer should be 201. Two modes:
//   closed: N clients, each sending its next request as soon as the last one is answered;
//   rate:   requests started on a fixed schedule (R per second), latency measured from the
//           moment each was due, so a slow server cannot hide its queueing.
// For drills: --answers FILE writes each measured request's answer, one a line (see
// Result.WriteAsync), and --timeout S gives up on a request after S seconds (counted apart from
// transport errors).
var options = Options.Parse(args);
using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler) { BaseAddress = new Uri(options.Url), Timeout = TimeSpan.FromSeconds(30) };

// An admin sets up a venue of its own with halls; its staff (a demo account) then book, as staff do.
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await SignInAsync(http, options.Email, options.Password));
var halls = await CreateHallsAsync(http, options.Halls);
using (var staff = await http.PostAsJsonAsync(new Uri($"/api/venues/{halls[0].VenueId}/staff", UriKind.Relative), new { email = options.StaffEmail, role = "staff" }))
{
    staff.EnsureSuccessStatusCode();
}
var serverUri = new Uri(options.Url);
var raw = new RawHttp(new IPEndPoint(IPAddress.Parse(serverUri.Host), serverUri.Port), serverUri.Authority,
    await SignInAsync(http, options.StaffEmail, options.Password));
Console.WriteLine($"HALLS={string.Join(',', halls.Select(h => h.Id))}");
Console.WriteLine($"VENUE={halls[0].VenueId}");

var slots = new SlotSource(halls, options.FirstDay);
// A serving app is warm: its JIT has tiered up the hot paths, which on two busy cores takes a while.
await RunAsync(raw, slots, options with { Seconds = options.Warmup, Mode = "closed" }, record: false);
// For whoever watches the database during the measured run (ops/bench/bookings).
Console.WriteLine($"STARTED={DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
var result = await RunAsync(raw, slots, options, record: true);
result.Print(options);
if (options.Answers is { } answers)
{
    await result.WriteAsync(answers);
}

static async Task<Result> RunAsync(RawHttp http, SlotSource slots, Options options, bool record)
{
    var result = new Result { StartedAt = DateTimeOffset.UtcNow, KeepsAnswers = options.Answers is not null };
    var clock = Stopwatch.StartNew();
    var duration = TimeSpan.FromSeconds(options.Seconds);
    if (options.Mode == "rate")
    {
        // Each millisecond, start every request that has come due: one timer for the whole run
        // rather than one per request, so the generator takes little of the machine it measures.
        var interval = TimeSpan.FromSeconds(1.0 / options.Rate);
        var total = (long)(duration / interval);
        var inFlight = new List<Task>((int)total);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        for (var i = 0L; i < total;)
        {
            for (var now = clock.Elapsed; i < total && interval * i <= now; i++)
            {
                inFlight.Add(SendAsync(http, slots.Next(), result, clock, interval * i, record, options.Timeout));
            }
            await tick.WaitForNextTickAsync();
        }
        await Task.WhenAll(inFlight);
    }
    else
    {
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                await SendAsync(http, slots.Next(), result, clock, clock.Elapsed, record, options.Timeout);
            }
        }));
    }
    result.Elapsed = clock.Elapsed;
    return result;
}

static async Task SendAsync(RawHttp http, (Guid Hall, DateTime Start) slot, Result result, Stopwatch clock, TimeSpan due, bool record, int timeout)
{
    var body = JsonSerializer.Serialize(new
    {
        title = "Benchmark booking",
        kind = "visit",
        attendees = 10,
        contact = "bench@bench.invalid",
        start = slot.Start.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
        end = slot.Start.AddMinutes(15).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
    });
    Answer answer;
    // A timer per request only when asked for: the benchmark does without.
    using var deadline = timeout > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(timeout)) : null;
    try
    {
        answer = await http.PostJsonAsync($"/api/halls/{slot.Hall}/bookings", body, deadline?.Token ?? CancellationToken.None);
    }
    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
    {
        answer = new Answer(Result.TransportError, null, null);
    }
    catch (OperationCanceledException) when (deadline is { IsCancellationRequested: true })
    {
        answer = new Answer(Result.TimedOut, null, null);
    }
    if (record)
    {
        result.Add(answer, slot, clock.Elapsed - due, due);
    }
}

static async Task<string> SignInAsync(HttpClient http, string email, string password)
{
    using var response = await http.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password });
    response.EnsureSuccessStatusCode();
    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    return body.RootElement.GetProperty("accessToken").GetString() ?? throw new InvalidOperationException("no token");
}

static async Task<List<(Guid Id, Guid VenueId)>> CreateHallsAsync(HttpClient http, int count)
{
    using var venue = await http.PostAsJsonAsync(new Uri("/api/venues", UriKind.Relative), new
    {
        name = $"Benchmark venue {DateTime.UtcNow:yyyyMMddHHmmss}", city = "Baku", country = "AZ", timeZone = "Asia/Baku",
    });
    venue.EnsureSuccessStatusCode();
    var venueId = (await venue.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    var halls = new List<(Guid, Guid)>();
    for (var i = 0; i < count; i++)
    {
        using var hall = await http.PostAsJsonAsync(new Uri($"/api/venues/{venueId}/halls", UriKind.Relative), new
        {
            name = $"Benchmark hall {i + 1}", capacity = 1000, setupMinutes = 0, teardownMinutes = 0, minNoticeMinutes = 0, maxLengthMinutes = 60,
            openingHours = Enum.GetNames<DayOfWeek>().Select(d => new { day = d.ToLowerInvariant(), opens = "00:00:00", closes = "23:59:00" }),
        });
        hall.EnsureSuccessStatusCode();
        halls.Add(((await hall.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(), venueId));
    }
    return halls;
}

internal sealed record Options(string Url, string Email, string StaffEmail, string Password, string Mode, int Clients, int Rate, int Seconds, int Warmup, int Halls, DateTime FirstDay,
    int Timeout, string? Answers)
{
    public static Options Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, $"--{name}");
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new Options(
            Get("url", "http://127.0.0.1:8080"), Get("email", "admin@demo.local"), Get("staff", "staff@memorial.demo.local"), Get("password", "Remember-2026"),
            Get("mode", "closed"), Int("clients", 32), Int("rate", 1000), Int("seconds", 25), Int("warmup", 30), Int("halls", 8),
            DateTime.SpecifyKind(DateTime.UtcNow.Date.AddYears(2), DateTimeKind.Unspecified),
            Int("timeout", 0), Get("answers", "") is { Length: > 0 } answers ? answers : null);
    }
}

// Hands out distinct quarter-hour slots, round robin over the halls, day after day.
internal sealed class SlotSource(List<(Guid Id, Guid VenueId)> halls, DateTime firstDay)
{
    private const int SlotsPerDay = 95;
    private long _next = -1;

    public (Guid Hall, DateTime Start) Next()
    {
        var n = Interlocked.Increment(ref _next);
        var hall = halls[(int)(n % halls.Count)].Id;
        var k = n / halls.Count;
        return (hall, firstDay.AddDays(k / SlotsPerDay).AddMinutes(15 * (k % SlotsPerDay)));
    }
}

internal sealed class Result
{
    // Statuses of requests that got no HTTP answer.
    public const int TransportError = 0;
    public const int TimedOut = -1;

    private readonly Lock _gate = new();
    // Each answer: when its request was due (seconds into the run) and how long after that it came (ms).
    private readonly List<(double Due, double Latency)> _samples = [];
    private readonly Dictionary<int, int> _statuses = [];
    private readonly List<(double Due, Answer Answer, Guid Hall, DateTime Start)> _answers = [];

    public TimeSpan Elapsed { get; set; }

    // Whether each answer is kept for WriteAsync (a drill's), not only counted.
    public bool KeepsAnswers { get; init; }

    // Wall-clock start of the run, so a bad half-second can be found in PostgreSQL's or the app's log.
    public DateTimeOffset StartedAt { get; init; }

    public void Add(Answer answer, (Guid Hall, DateTime Start) slot, TimeSpan latency, TimeSpan due)
    {
        lock (_gate)
        {
            _samples.Add((due.TotalSeconds, latency.TotalMilliseconds));
            _statuses[answer.Status] = _statuses.GetValueOrDefault(answer.Status) + 1;
            if (KeepsAnswers)
            {
                _answers.Add((due.TotalSeconds, answer, slot.Hall, slot.Start));
            }
        }
    }

    // One line per request, in the order they were due: seconds into the run it was due; its status
    // (or "error" for a transport error, "timeout"); the hall and local start of the slot it asked
    // for; the booking id from Location (or "-"); the Retry-After header as sent (or "-"), last
    // because an HTTP date has spaces.
    public async Task WriteAsync(string path)
    {
        await using var file = new StreamWriter(path);
        foreach (var (due, answer, hall, start) in _answers.OrderBy(a => a.Due))
        {
            var status = answer.Status switch
            {
                TransportError => "error",
                TimedOut => "timeout",
                var code => code.ToString(CultureInfo.InvariantCulture),
            };
            var id = answer.Location is { } location ? location[(location.LastIndexOf('/') + 1)..] : "-";
            await file.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{due:F3} {status} {hall} {start:yyyy-MM-ddTHH:mm:ss} {id} {answer.RetryAfter ?? "-"}"));
        }
    }

    public void Print(Options options)
    {
        // Latency by the half-second the requests were due in: a stall shows as a run of bad ones.
        var halves = _samples.GroupBy(t => (int)(t.Due * 2)).OrderBy(g => g.Key)
            .Select(g => (Start: g.Key / 2.0, Latencies: g.Select(t => t.Latency).Order().ToList())).ToList();
        if (Environment.GetEnvironmentVariable("BENCH_TRACE") == "1")
        {
            foreach (var (start, l) in halves)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{StartedAt.AddSeconds(start):HH:mm:ss.f} t={start,5:F1} n={l.Count,5} p50={P(l, 0.5),8:F1} p99={P(l, 0.99),8:F1} max={P(l, 1),8:F1}"));
            }
        }
        if (options.Mode == "rate" && halves.Count > 0)
        {
            var (start, worst) = halves.MaxBy(h => P(h.Latencies, 1));
            var slow = halves.Count(h => P(h.Latencies, 0.99) > 25);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"worst half-second: {start:F1} s into the run ({StartedAt.AddSeconds(start):HH:mm:ss.f} UTC), p50 {P(worst, 0.5):F1} ms, max {P(worst, 1):F1} ms; half-seconds with p99 over 25 ms: {slow} of {halves.Count}"));
        }
        var latencies = _samples.Select(t => t.Latency).Order().ToList();
        var created = _statuses.GetValueOrDefault((int)HttpStatusCode.Created);
        var conflicts = _statuses.GetValueOrDefault((int)HttpStatusCode.Conflict);
        var errors = latencies.Count - created - conflicts;
        var describe = options.Mode == "rate" ? $"rate {options.Rate}/s" : $"{options.Clients} clients";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"HTTP ({describe}, {Elapsed.TotalSeconds:F1} s): {latencies.Count} requests, {latencies.Count / Elapsed.TotalSeconds:F0} req/s, " +
            $"p50 {P(latencies, 0.50):F1} ms, p90 {P(latencies, 0.90):F1} ms, p99 {P(latencies, 0.99):F1} ms, max {P(latencies, 1):F1} ms; 201: {created}, 409: {conflicts}, other: {errors}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RPS={latencies.Count / Elapsed.TotalSeconds:F1}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"P99={P(latencies, 0.99):F1}"));
        Console.WriteLine($"ERRORS={errors}");
        if (errors > 0)
        {
            Console.WriteLine($"statuses: {string.Join(", ", _statuses.Select(s => $"{s.Key}: {s.Value}"))}");
        }
    }

    // The q-quantile of sorted latencies (q = 1: the largest).
    private static double P(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
}
