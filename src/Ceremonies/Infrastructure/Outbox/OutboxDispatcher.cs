using System.Net.Mail;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Email;
using Hangfire;
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
            for (var i = 0; i < batch.Count; i++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    await ReleaseAsync(batch.Skip(i));
                    cancellationToken.ThrowIfCancellationRequested();
                }
                if (await SendOneAsync(batch[i], cancellationToken))
                {
                    sent++;
                }
                else
                {
                    failed++;
                }
            }
            if (batch.Count < _options.BatchSize
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
            .Where(m => m.State == OutboxState.Pending && m.DeadlineAt <= now
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

    private async Task<bool> SendOneAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        if (message.DeadlineAt <= clock.GetUtcNow())
        {
            await FinishAsync(message, OutboxState.Dead, "its deadline passed before it could be sent", null, cancellationToken);
            return false;
        }
        try
        {
            await sender.SendAsync(new EmailMessage(
                message.Recipient, message.Subject, message.BodyText, message.BodyHtml,
                OutboxMessage.MessageIdFor(message.IdempotencyKey, sender.MessageIdDomain)), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await RecordFailureAsync(message, e, cancellationToken);
            return false;
        }
        // The mail is out: record that even if shutdown has begun, so it is not sent twice.
        await FinishAsync(message, OutboxState.Sent, null, clock.GetUtcNow(), CancellationToken.None);
        return true;
    }

    private async Task RecordFailureAsync(OutboxMessage message, Exception error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var retryAt = now + RetryBackoff.After(message.Attempts,
            TimeSpan.FromSeconds(_options.RetryBaseSeconds), TimeSpan.FromSeconds(_options.RetryMaxSeconds));
        var reason = Describe(error);
        var giveUp = IsPermanent(error)
            || message.Attempts >= _options.MaxAttempts
            || retryAt >= message.DeadlineAt;
        LogFailure(error, message.Id, message.Attempts, giveUp);
        if (giveUp)
        {
            await FinishAsync(message, OutboxState.Dead, reason, null, cancellationToken);
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

    private async Task FinishAsync(
        OutboxMessage message, OutboxState state, string? error, DateTimeOffset? sentAt, CancellationToken cancellationToken)
    {
        var updated = await db.Outbox
            .Where(m => m.Id == message.Id && m.LockedBy == node.Name && m.State == OutboxState.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, state)
                .SetProperty(m => m.SentAt, sentAt)
                .SetProperty(m => m.LastError, error)
                .SetProperty(m => m.LockedBy, (string?)null)
                .SetProperty(m => m.LockedUntil, (DateTimeOffset?)null), cancellationToken);
        if (updated == 0)
        {
            LogLeaseLost(message.Id);
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

    // A refused address will be refused again; anything else (connection, timeout, 4xx) may pass later.
    internal static bool IsPermanent(Exception error) => error switch
    {
        FormatException => true,
        SmtpFailedRecipientException { StatusCode: SmtpStatusCode.MailboxUnavailable or SmtpStatusCode.MailboxNameNotAllowed } => true,
        _ => false,
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {MessageId} was no longer leased to this node when it was marked")]
    private partial void LogLeaseLost(Guid messageId);
}
