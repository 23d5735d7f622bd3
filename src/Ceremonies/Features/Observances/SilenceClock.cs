using System.Collections.Concurrent;
using Ceremonies.Data;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;

namespace Ceremonies.Features.Observances;

// Every worker process arms an in-process Quartz clock (its in-memory store) for each coming
// instant at which signals are due, read from the database now and then; at the instant it wakes
// (never before it) and sends what is due. Hangfire's scheduler polls its storage and would release
// the signals seconds late; a durable trigger per venue would drain at about a hundred a second.
// Every worker arms every instant, so when one has died the others still fire; the claim in the
// database makes each signal go out once.
public sealed partial class SilenceClock(
    SignalsPlanned planned,
    ISchedulerFactory schedulers,
    IServiceScopeFactory scopes,
    IServer server,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    IOptions<SignalOptions> options,
    ILogger<SilenceClock> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<DateTimeOffset, byte> _armed = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Rehearsed beside the arming, which never waits for it.
        var rehearsal = WarmUpAsync(stoppingToken);
        var every = TimeSpan.FromMilliseconds(options.Value.ArmEveryMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ArmAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogArmingFailed(e);
            }
            try
            {
                await planned.WaitAsync(every, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        try
        {
            await rehearsal;
        }
        catch (OperationCanceledException)
        {
            // Stopped while rehearsing.
        }
    }

    // Once this process listens, its dispatcher rehearses the sending path against it, so that the
    // first real signal does not wait for code to be compiled.
    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(cancellationToken);
        }
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null || !Uri.TryCreate(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal), UriKind.Absolute, out var self))
        {
            return;
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SignalDispatcher>().RehearseAsync(new Uri(self, "/health/live"), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWarmUpFailed(e.Message);
        }
    }

    private async Task ArmAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        List<DateTimeOffset> instants;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CeremoniesDb>();
            var horizon = now.AddMinutes(options.Value.HorizonMinutes);
            // Due ones whose lease has lapsed too: a worker that died left them.
            instants = await db.SignalDeliveries
                .Where(d => d.State == DeliveryState.Pending && d.DueAt <= horizon && (d.LockedUntil == null || d.LockedUntil <= now))
                .Select(d => d.DueAt).Distinct().OrderBy(d => d).Take(1000).ToListAsync(cancellationToken);
        }
        foreach (var instant in instants)
        {
            await ArmAsync(instant < now ? now : instant, cancellationToken);
        }
        foreach (var old in _armed.Keys.Where(k => k < now.AddMinutes(-1)))
        {
            _armed.TryRemove(old, out _);
        }
    }

    public async Task ArmAsync(DateTimeOffset instant, CancellationToken cancellationToken)
    {
        // A process on its way down arms nothing: its scheduler is shut, and the others send what is due.
        if (lifetime.ApplicationStopping.IsCancellationRequested || !_armed.TryAdd(instant, 0))
        {
            return;
        }
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = $"signals-{instant.UtcTicks}";
        var job = JobBuilder.Create<SilenceFiring>().WithIdentity(key).UsingJobData(SilenceFiring.InstantKey, instant.UtcTicks).Build();
        // Woken ahead of the instant, to claim what is due at it before it comes.
        var wake = instant - options.Value.ClaimAhead;
        var trigger = TriggerBuilder.Create(clock).WithIdentity(key).StartAt(wake < clock.GetUtcNow() ? clock.GetUtcNow() : wake).Build();
        await scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The rehearsal of the sending path failed: {Error}")]
    private partial void LogWarmUpFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the coming signals; trying again shortly")]
    private partial void LogArmingFailed(Exception error);
}

// Fired by the clock shortly before an instant: claims what is due at it, and sends it at the instant.
[DisallowConcurrentExecution]
public sealed class SilenceFiring(SignalDispatcher dispatcher, SilenceClock silenceClock) : IJob
{
    public const string InstantKey = "instant";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var instant = new DateTimeOffset(context.MergedJobDataMap.GetLong(InstantKey), TimeSpan.Zero);
        if (await dispatcher.RunAsync(instant, cancellationToken) is { } retryAt)
        {
            await silenceClock.ArmAsync(retryAt, cancellationToken);
        }
    }
}

// Planning in this process tells its clock at once rather than at the clock's next look at the
// database. In a process without the clock (web only) nobody waits and the call does nothing.
public sealed class SignalsPlanned : IDisposable
{
    private readonly SemaphoreSlim _poked = new(0);

    public void Poke()
    {
        if (_poked.CurrentCount == 0)
        {
            _poked.Release();
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _poked.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _poked.Dispose();
}
