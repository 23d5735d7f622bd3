using System.Threading.Channels;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Email;
using Hangfire;
using MailKit.Net.Smtp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Infrastructure.Outbox;

public sealed record DispatchResult(int Sent, int Failed, int Expired);

// Claims due messages with FOR UPDATE SKIP LOCKED and a lease, so any number of nodes can run it at
// once and each message goes to one of them. A node that crashes after sending but before marking
// leaves the message to be sent again when the lease ends: a repeat is possible, a loss is not.
public sealed partial class OutboxDispatcher(
    CeremoniesDb db,
    IEmailSender sender,
    TimeProvider clock,
    NodeIdentity node,
    IServiceProvider services,
    IOptions<OutboxOptions> options,
    ILogger<OutboxDispatcher> logger)
{
    private readonly OutboxOptions _options = options.Value;

    // The next firing, seconds later, picks up what a failed run left: no retries of its own.
    [AutomaticRetry(Attempts = 0)]
    public async Task<DispatchResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var expired = await ExpireAsync(cancellationToken);
        int sent = 0, failed = 0;
        while (true)
        {
            var batch = await ClaimAsync(cancellationToken);
            var (ready, refused) = await RenderAsync(batch, cancellationToken);
            var (batchSent, batchFailed, serverDown) = await SendAsync(ready, cancellationToken);
            sent += batchSent;
            failed += batchFailed + refused;
            if (batch.Count < _options.BatchSize
                || serverDown
                || clock.GetElapsedTime(started) > TimeSpan.FromSeconds(_options.RunBudgetSeconds))
            {
                break;
            }
        }
        if (sent + failed + expired > 0)
        {
            LogRun(sent, failed, expired);
        }
        return new DispatchResult(sent, failed, expired);
    }

    private async Task<int> ExpireAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return await db.Outbox
            .Where(m => m.State == OutboxState.Pending && m.DeadlineAt != null && m.DeadlineAt <= now
                && (m.LockedUntil == null || m.LockedUntil <= now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, OutboxState.Dead)
                .SetProperty(m => m.LastError, "its deadline passed before it could be sent")
                .SetProperty(m => m.LockedBy, (string?)null)
                .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null), cancellationToken);
    }

    private async Task<List<OutboxMessage>> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var leaseEnd = now + _options.Lease;
        var claimed = await db.Outbox.FromSql($"""
            UPDATE outbox_messages
               SET locked_by = {node.Name}, locked_until = {leaseEnd}, attempts = attempts + 1
             WHERE id IN (SELECT id FROM outbox_messages
                           WHERE state = 'pending' AND due_at <= {now}
                             AND (locked_until IS NULL OR locked_until <= {now})
                           ORDER BY due_at
                           LIMIT {_options.BatchSize}
                             FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        claimed.Sort((a, b) => a.DueAt.CompareTo(b.DueAt));
        return claimed;
    }

    // Messages without a renderer carry their text; the others get it from their renderer, all of a
    // batch's messages of one renderer in one call. A message its renderer withdraws is cancelled with
    // the reason; when the renderer fails, its messages wait for a retry like a failed send.
    private async Task<(List<(OutboxMessage Row, EmailMessage Email)> Ready, int Failed)> RenderAsync(
        List<OutboxMessage> batch, CancellationToken cancellationToken)
    {
        var ready = new List<(OutboxMessage, EmailMessage)>(batch.Count);
        var failed = 0;
        foreach (var group in batch.GroupBy(m => m.Renderer))
        {
            if (group.Key is null)
            {
                ready.AddRange(group.Select(m => (m, Email(m, m.Subject, m.BodyText, m.BodyHtml, m.Attachments, m.Headers))));
                continue;
            }
            var messages = group.ToList();
            IReadOnlyDictionary<Guid, Rendering> rendered;
            try
            {
                // A process older than the kind of message (a rolling upgrade) leaves it to a newer one.
                var renderer = services.GetKeyedService<IOutboxRenderer>(group.Key)
                    ?? throw new InvalidOperationException($"no renderer '{group.Key}' in this process");
                rendered = await renderer.RenderAsync(messages, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                foreach (var message in messages)
                {
                    failed++;
                    await RecordFailureAsync(message, new RenderingFailedException(e), CancellationToken.None);
                }
                continue;
            }
            foreach (var message in messages)
            {
                if (rendered.TryGetValue(message.Id, out var rendering) && rendering.Email is { } email)
                {
                    ready.Add((message, Email(message, email.Subject, email.Text, email.Html, email.Attachments, email.Headers)));
                }
                else if (rendering.Failure is { } failure)
                {
                    failed++;
                    await RecordFailureAsync(message, failure, CancellationToken.None);
                }
                else
                {
                    await WithdrawAsync(message, rendering.WithdrawnBecause ?? "its renderer had nothing to send");
                }
            }
        }
        ready.Sort((a, b) => a.Item1.DueAt.CompareTo(b.Item1.DueAt));
        return (ready, failed);
    }

    private EmailMessage Email(
        OutboxMessage message, string subject, string text, string? html,
        IReadOnlyList<EmailAttachment> attachments, IReadOnlyDictionary<string, string> headers) =>
        new(message.Recipient, subject, text, html, OutboxMessage.MessageIdFor(message.IdempotencyKey, sender.MessageIdDomain))
        {
            Attachments = attachments,
            Headers = headers,
        };

    private async Task WithdrawAsync(OutboxMessage message, string reason)
    {
        await db.Outbox
            .Where(m => m.Id == message.Id && m.LockedBy == node.Name && m.State == OutboxState.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, OutboxState.Cancelled)
                .SetProperty(m => m.LastError, reason.Length <= 1000 ? reason : reason[..1000])
                .SetProperty(m => m.LockedBy, (string?)null)
                .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null), CancellationToken.None);
    }

    private enum Result
    {
        Sent,
        Failed,
        Expired,
        Interrupted,
    }

    private readonly record struct Outcome(OutboxMessage Message, Result Result, Exception? Error = null);


    // Up to sender.Concurrency messages in flight at once (one per SMTP connection). The outcomes
    // are written back by one loop, since the context runs one command at a time: the messages sent
    // meanwhile are marked together, one UPDATE for many, while the next ones are on their way.
    // When the server cannot be reached the rest of the batch is handed back untried and the run
    // ends: an outage is the server's, not the messages', so it costs each message at most the
    // attempt that found it (the next run, seconds later, tries again with the oldest due), and
    // when the server is back everything goes at once instead of after each message's backoff.
    private async Task<(int Sent, int Failed, bool ServerDown)> SendAsync(List<(OutboxMessage Row, EmailMessage Email)> batch, CancellationToken cancellationToken)
    {
        var outcomes = Channel.CreateUnbounded<Outcome>(new UnboundedChannelOptions { SingleReader = true });
        // A failing write-back stops further sends: what is sent but cannot be marked is sent again later.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var serverDown = new CancellationTokenSource();
        var recording = RecordAsync(outcomes.Reader, batch.Select(b => b.Row), stop);
        using var free = new SemaphoreSlim(Math.Max(1, sender.Concurrency));
        var sends = new List<Task>(batch.Count);
        var started = 0;
        try
        {
            for (; started < batch.Count; started++)
            {
                var (message, email) = batch[started];
                if (message.DeadlineAt <= clock.GetUtcNow())
                {
                    outcomes.Writer.TryWrite(new Outcome(message, Result.Expired));
                    continue;
                }
                await free.WaitAsync(stop.Token);
                if (stop.IsCancellationRequested)
                {
                    // A send that failed stopped the batch and then freed this slot.
                    free.Release();
                    break;
                }
                sends.Add(SendOneAsync(message, email, outcomes.Writer, free, (serverDown, stop), cancellationToken));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Shutdown, or the write-back failed: start no more.
        }
        await Task.WhenAll(sends);
        outcomes.Writer.Complete();
        var (sent, failed) = await recording;
        if (started < batch.Count)
        {
            await ReleaseAsync(batch.Skip(started).Select(b => b.Row));
            cancellationToken.ThrowIfCancellationRequested();
        }
        return (sent, failed, serverDown.IsCancellationRequested);
    }

    private async Task SendOneAsync(
        OutboxMessage message, EmailMessage email, ChannelWriter<Outcome> outcomes, SemaphoreSlim free,
        (CancellationTokenSource ServerDown, CancellationTokenSource Stop) halt, CancellationToken cancellationToken)
    {
        try
        {
            await sender.SendAsync(email, cancellationToken);
            outcomes.TryWrite(new Outcome(message, Result.Sent));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped mid-send: whether it went out is unknown, so it waits out its lease and goes again.
            outcomes.TryWrite(new Outcome(message, Result.Interrupted));
        }
        catch (Exception e)
        {
            if (IsServerUnavailable(e))
            {
                // Both before the slot is freed below, so the loop that waits for it sees the stop.
                halt.ServerDown.Cancel();
                halt.Stop.Cancel();
            }
            outcomes.TryWrite(new Outcome(message, Result.Failed, e));
        }
        finally
        {
            free.Release();
        }
    }

    // Sent messages are marked in groups: one UPDATE (and one commit, one flush of the log) for the
    // messages that arrive within MarkWindow, instead of one for each few. A crash between the send
    // and the mark repeats at most that window's messages, which were in flight anyway.
    private static readonly TimeSpan MarkWindow = TimeSpan.FromMilliseconds(25);
    private const int MarkGroup = 50;

    private async Task<(int Sent, int Failed)> RecordAsync(ChannelReader<Outcome> outcomes, IEnumerable<OutboxMessage> batch, CancellationTokenSource stop)
    {
        int sent = 0, failed = 0;
        var delivered = new List<Guid>();
        var leased = batch.Select(m => m.Id).ToHashSet();
        long? firstUnmarked = null;
        try
        {
            // The mail is out: record that even if shutdown has begun, so it is not sent twice.
            while (await WaitRenewingLeaseAsync(outcomes, leased, firstUnmarked is { } since ? MarkWindow - clock.GetElapsedTime(since) : null))
            {
                while (outcomes.TryRead(out var outcome))
                {
                    leased.Remove(outcome.Message.Id);
                    switch (outcome.Result)
                    {
                        case Result.Sent:
                            delivered.Add(outcome.Message.Id);
                            firstUnmarked ??= clock.GetTimestamp();
                            break;
                        case Result.Expired:
                            failed++;
                            await GiveUpAsync(outcome.Message, "its deadline passed before it could be sent", CancellationToken.None);
                            break;
                        case Result.Failed:
                            failed++;
                            await RecordFailureAsync(outcome.Message, outcome.Error!, CancellationToken.None); // Failed always carries its error
                            break;
                        case Result.Interrupted:
                            break;
                    }
                }
                if (firstUnmarked is { } first
                    && (delivered.Count >= MarkGroup || leased.Count == 0 || clock.GetElapsedTime(first) >= MarkWindow))
                {
                    await MarkSentAsync(delivered);
                    sent += delivered.Count;
                    delivered.Clear();
                    firstUnmarked = null;
                }
            }
            if (delivered.Count > 0)
            {
                await MarkSentAsync(delivered);
                sent += delivered.Count;
            }
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
        return (sent, failed);
    }

    // The lease is short, so that the messages of a node that dies are free again soon; while this node
    // lives it renews the lease of what it still holds, so a slow server does not make a message look
    // abandoned (and sent twice) just because its send took longer than one lease. Returns false when
    // every outcome has been read; true when there may be more, or when markIn has passed.
    private async Task<bool> WaitRenewingLeaseAsync(ChannelReader<Outcome> outcomes, HashSet<Guid> leased, TimeSpan? markIn)
    {
        var ready = outcomes.WaitToReadAsync(CancellationToken.None).AsTask();
        using var done = new CancellationTokenSource();
        var renewal = Task.Delay(_options.LeaseRenewal, clock, done.Token);
        var mark = markIn is { } wait ? Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, clock, done.Token) : null;
        while (true)
        {
            var woke = mark is null ? await Task.WhenAny(ready, renewal) : await Task.WhenAny(ready, renewal, mark);
            if (woke == ready)
            {
                break;
            }
            if (woke == mark)
            {
                await done.CancelAsync();
                return true;
            }
            // The next period counts from now, not from when the renewal's UPDATE returns.
            renewal = Task.Delay(_options.LeaseRenewal, clock, done.Token);
            await RenewLeaseAsync(leased);
        }
        await done.CancelAsync();
        return await ready;
    }

    private async Task RenewLeaseAsync(HashSet<Guid> leased)
    {
        if (leased.Count == 0)
        {
            return;
        }
        var ids = leased.ToList();
        var leaseEnd = clock.GetUtcNow() + _options.Lease;
        await db.Outbox
            .Where(m => ids.Contains(m.Id) && m.LockedBy == node.Name && m.State == OutboxState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LockedUntil, leaseEnd), CancellationToken.None);
    }

    private async Task MarkSentAsync(List<Guid> ids)
    {
        var now = clock.GetUtcNow();
        var updated = await db.Outbox
            .Where(m => ids.Contains(m.Id) && m.LockedBy == node.Name && m.State == OutboxState.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, OutboxState.Sent)
                .SetProperty(m => m.SentAt, now)
                .SetProperty(m => m.LastError, (string?)null)
                .SetProperty(m => m.LockedBy, (string?)null)
                .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null), CancellationToken.None);
        if (updated < ids.Count)
        {
            LogLeaseLost(ids.Count - updated);
        }
    }

    private async Task RecordFailureAsync(OutboxMessage message, Exception error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var wait = RetryBackoff.After(message.Attempts,
            TimeSpan.FromSeconds(_options.RetryBaseSeconds), TimeSpan.FromSeconds(_options.RetryMaxSeconds));
        var retryAt = now + RetryBackoff.Jittered(wait, _options.RetryJitterPercent / 100.0, Random.Shared.NextDouble());
        var reason = Describe(error);
        var giveUp = IsPermanent(error)
            || message.Attempts >= _options.MaxAttempts
            || retryAt >= message.DeadlineAt;
        LogFailure(error, message.Id, message.Attempts, giveUp);
        if (giveUp)
        {
            await GiveUpAsync(message, reason, cancellationToken);
            return;
        }
        await db.Outbox
            .Where(m => m.Id == message.Id && m.LockedBy == node.Name && m.State == OutboxState.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.DueAt, retryAt)
                .SetProperty(m => m.LastError, reason)
                .SetProperty(m => m.LockedBy, (string?)null)
                .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null), cancellationToken);
    }

    private async Task GiveUpAsync(OutboxMessage message, string error, CancellationToken cancellationToken)
    {
        var updated = await db.Outbox
            .Where(m => m.Id == message.Id && m.LockedBy == node.Name && m.State == OutboxState.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, OutboxState.Dead)
                .SetProperty(m => m.LastError, error)
                .SetProperty(m => m.LockedBy, (string?)null)
                .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null), cancellationToken);
        if (updated == 0)
        {
            LogLeaseLost(1);
        }
    }

    // Claimed but not attempted when the node stops: hand them back at once rather than when the lease ends.
    private async Task ReleaseAsync(IEnumerable<OutboxMessage> untouched)
    {
        var ids = untouched.Select(m => m.Id).ToList();
        await db.Outbox
            .Where(m => ids.Contains(m.Id) && m.LockedBy == node.Name && m.State == OutboxState.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Attempts, m => m.Attempts - 1)
                .SetProperty(m => m.LockedBy, (string?)null)
                .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null), CancellationToken.None);
    }

    // A refused address will be refused again, and a message that cannot be written (an address or
    // media type MimeKit cannot parse: FormatException; a header it refuses: ArgumentException)
    // builds the same next time. Anything else (connection, timeout, TLS, a 4xx) may pass later.
    internal static bool IsPermanent(Exception error) => error switch
    {
        FormatException or ArgumentException => true,
        SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } refused => (int)refused.StatusCode >= 500,
        _ => false,
    };

    // Whether the failure is the server's rather than this message's: it could not be reached, or
    // the session failed (TLS, sign-in, a timeout, a dropped connection, 421 "closing"). A reply to
    // this message's own commands (a refused or busy recipient) and a message that cannot be
    // written are about the message: the others may still go.
    internal static bool IsServerUnavailable(Exception error) => error switch
    {
        SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable } => true,
        SmtpCommandException or FormatException or ArgumentException => false,
        _ => true,
    };

    private static string Describe(Exception error)
    {
        var text = error.InnerException is null ? error.Message : $"{error.Message} ({error.InnerException.Message})";
        return text.Length <= 1000 ? text : text[..1000];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox run: {Sent} sent, {Failed} failed, {Expired} expired")]
    private partial void LogRun(int sent, int failed, int expired);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {MessageId} failed on attempt {Attempt}; giving up: {GiveUp}")]
    private partial void LogFailure(Exception error, Guid messageId, int attempt, bool giveUp);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} outbox messages were no longer leased to this node when they were marked")]
    private partial void LogLeaseLost(int count);
}
