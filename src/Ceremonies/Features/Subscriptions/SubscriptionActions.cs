using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Subscriptions;

public enum SubscriptionRefusal
{
    None,
    NotFound,
    Expired,
    Invalid,
    Conflict,
}

public sealed record SubscriptionOutcome(Subscription? Subscription, string? Following, SubscriptionRefusal Refusal = SubscriptionRefusal.None, string? Field = null, string? Message = null)
{
    public static SubscriptionOutcome Done(Subscription s, string following) => new(s, following);

    public static readonly SubscriptionOutcome NotFound = new(null, null, SubscriptionRefusal.NotFound);

    public static readonly SubscriptionOutcome Expired = new(null, null, SubscriptionRefusal.Expired, "token",
        "This confirmation link has expired. Subscribe again to get a new one.");

    public static SubscriptionOutcome Invalid(string field, string message) => new(null, null, SubscriptionRefusal.Invalid, field, message);

    public static SubscriptionOutcome Conflict(string message) => new(null, null, SubscriptionRefusal.Conflict, null, message);
}

// Subscribing, confirming, changing and stopping reminders: the one place for the API and the pages.
// Reminders themselves are planned by the Reminders feature: a change here requests a plan for the
// subscriber's address in the same transaction (request_reminder_plan), and the planner job acts on
// it within seconds. Until then the sending side checks the subscription itself, so a stop takes
// effect at once.
public sealed class SubscriptionActions(CeremoniesDb db, SubscriptionLinks links, TimeProvider clock, IOptions<SubscriptionOptions> options)
{
    // The answer is the same whatever the address: new, waiting for its confirmation, confirmed or
    // stopped. What differs is only the mail it is sent, and at most one of each kind per hour, so
    // a form submitted again and again does not flood the address.
    public async Task<SubscriptionOutcome> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var follows = request.Follows!.Value; // Required, checked before this is called
        var target = SubscriptionTargets.Of(follows, request.ObservanceId, request.VenueId, request.Country, request.EventId);
        if (await SubscriptionTargets.NameAsync(db, target, now, cancellationToken) is not { } following)
        {
            return SubscriptionOutcome.Invalid(SubscriptionTargets.FieldOf(follows), "There is no such thing to follow, or it is not open to the public.");
        }
        var email = request.Email.Trim();
        var zone = Infrastructure.Validation.IanaTimeZoneAttribute.Canonical(request.TimeZone)!; // validated
        // Two identical requests at once: the unique index lets one insert, the other finds it next time.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
                {
                    db.ChangeTracker.Clear();
                    await using var transaction = await db.Database.BeginTransactionAsync(ct);
                    var s = await Matching(email, target).FirstOrDefaultAsync(ct);
                    if (s is null)
                    {
                        s = new Subscription
                        {
                            Id = Guid.CreateVersion7(now),
                            Email = email,
                            TimeZone = zone,
                            Language = request.Language ?? "en",
                            Follows = follows,
                            OffsetMinutes = [.. request.OffsetMinutes!],
                            State = SubscriptionState.Pending,
                            CreatedAt = now,
                            UpdatedAt = now,
                        };
                        s.Follow(target);
                        db.Subscriptions.Add(s);
                    }
                    else if (s.State != SubscriptionState.Confirmed)
                    {
                        // Not confirmed, or stopped: the new choices stand, and a new link is sent.
                        s.TimeZone = zone;
                        s.Language = request.Language ?? s.Language;
                        s.OffsetMinutes = [.. request.OffsetMinutes!];
                        s.State = SubscriptionState.Pending;
                        s.UpdatedAt = now;
                    }
                    // A confirmed subscription is not changed by whoever knows its address: its owner
                    // is sent the link to change it instead.
                    var confirmed = s.State == SubscriptionState.Confirmed;
                    var key = $"subscription:{s.Id}:{(confirmed ? "known" : "confirm")}:{now.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}";
                    if (!await db.Outbox.AnyAsync(m => m.IdempotencyKey == key, ct) && await MayMailAsync(email, now, ct))
                    {
                        var (subject, text, html) = confirmed
                            ? SubscriptionMails.Known(s, following, links)
                            : SubscriptionMails.Confirmation(s, following, links);
                        db.Outbox.Add(OutboxMessage.Email(key, s.Email, subject, text, html, now));
                    }
                    await db.SaveChangesAsync(ct);
                    await transaction.CommitAsync(ct);
                    return SubscriptionOutcome.Done(s, following);
                }, cancellationToken);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation() && attempt < 3)
            {
            }
        }
    }

    public async Task<SubscriptionOutcome> ConfirmAsync(string? token, CancellationToken cancellationToken)
    {
        var read = links.ReadConfirm(token);
        if (read.Expired)
        {
            return SubscriptionOutcome.Expired;
        }
        return await ChangeAsync(read.Id, s =>
        {
            // A link opened again, or after the reminders were stopped, changes nothing.
            if (s.State != SubscriptionState.Pending)
            {
                return Task.FromResult<SubscriptionOutcome?>(null);
            }
            s.State = SubscriptionState.Confirmed;
            s.ConfirmedAt = clock.GetUtcNow();
            return Task.FromResult<SubscriptionOutcome?>(null);
        }, cancellationToken);
    }

    public Task<SubscriptionOutcome> FindAsync(string? token, CancellationToken cancellationToken) =>
        FindAsync(links.ReadManage(token), cancellationToken);

    // What a confirmation link would confirm, read without confirming it. An expired link is
    // answered Expired with its subscription, so that the page can lead to where to subscribe again.
    public Task<SubscriptionOutcome> FindToConfirmAsync(string? token, CancellationToken cancellationToken) =>
        FindAsync(links.ReadConfirm(token), cancellationToken);

    private async Task<SubscriptionOutcome> FindAsync(TokenRead read, CancellationToken cancellationToken)
    {
        if (read.Id is not { } id
            || await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken) is not { } s)
        {
            return SubscriptionOutcome.NotFound;
        }
        var following = await FollowingAsync(s, cancellationToken);
        return read.Expired ? SubscriptionOutcome.Expired with { Subscription = s, Following = following } : SubscriptionOutcome.Done(s, following);
    }

    // What it follows in words, also when that is an event no longer listed.
    private async Task<string> FollowingAsync(Subscription s, CancellationToken cancellationToken) =>
        await SubscriptionTargets.NameAsync(db, s.Target, DateTimeOffset.MinValue, cancellationToken) ?? "an event that is no longer listed";

    // Whether the address has room for one more subscription mail today. The lock (on the address,
    // for this transaction) makes two requests at once count one after the other.
    private async Task<bool> MayMailAsync(string email, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // lower() as the database has it, as the index and the unique indexes of subscriptions do.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('subscription-mail:' || lower({email}), 0))", cancellationToken);
        var sent = await db.Database.SqlQuery<int>($"""
            SELECT count(*)::int AS "Value" FROM outbox_messages
             WHERE lower(recipient) = lower({email}) AND idempotency_key LIKE 'subscription:%' AND created_at > {now.AddDays(-1)}
            """).ToListAsync(cancellationToken);
        return sent[0] < options.Value.MailsPerAddressPerDay;
    }

    // One click, no sign-in: the link itself is the proof. Stopping twice is the same as once.
    public Task<SubscriptionOutcome> UnsubscribeAsync(string? token, CancellationToken cancellationToken) =>
        ChangeAsync(links.ReadManage(token).Id, s =>
        {
            if (s.State != SubscriptionState.Unsubscribed)
            {
                s.State = SubscriptionState.Unsubscribed;
                s.UnsubscribedAt = clock.GetUtcNow();
            }
            return Task.FromResult<SubscriptionOutcome?>(null);
        }, cancellationToken);

    // New choices from the link in an email. Saving them on a stopped subscription starts it again:
    // the link proves the address is its owner's, as a confirmation does.
    public Task<SubscriptionOutcome> ChangePreferencesAsync(string? token, PreferencesRequest request, CancellationToken cancellationToken) =>
        ChangeAsync(links.ReadManage(token).Id, async s =>
        {
            var now = clock.GetUtcNow();
            var follows = request.Follows!.Value; // Required, checked before this is called
            var target = SubscriptionTargets.Of(follows, request.ObservanceId, request.VenueId, request.Country, request.EventId);
            if (target != s.Target)
            {
                if (await SubscriptionTargets.NameAsync(db, target, now, cancellationToken) is null)
                {
                    return SubscriptionOutcome.Invalid(SubscriptionTargets.FieldOf(follows), "There is no such thing to follow, or it is not open to the public.");
                }
                if (await Matching(s.Email, target).AnyAsync(other => other.Id != s.Id, cancellationToken))
                {
                    return SubscriptionOutcome.Conflict("This address already has a subscription for that: change that one from its own emails.");
                }
                s.Follow(target);
            }
            s.TimeZone = Infrastructure.Validation.IanaTimeZoneAttribute.Canonical(request.TimeZone)!; // validated
            s.Language = request.Language ?? s.Language;
            s.OffsetMinutes = [.. request.OffsetMinutes!];
            if (s.State == SubscriptionState.Unsubscribed)
            {
                s.State = SubscriptionState.Confirmed;
                s.ConfirmedAt = now;
                s.UnsubscribedAt = null;
            }
            return null;
        }, cancellationToken);

    // Loads the subscription locked, lets change do its part (null: done; an outcome: stop with it),
    // asks for the address's reminders to be planned again and saves, in one transaction.
    private async Task<SubscriptionOutcome> ChangeAsync(
        Guid? id, Func<Subscription, Task<SubscriptionOutcome?>> change, CancellationToken cancellationToken)
    {
        if (id is not { } subscriptionId)
        {
            return SubscriptionOutcome.NotFound;
        }
        try
        {
            return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var found = await db.Subscriptions.FromSql($"SELECT * FROM subscriptions WHERE id = {subscriptionId} FOR UPDATE").ToListAsync(ct);
                if (found is not [var s])
                {
                    return SubscriptionOutcome.NotFound;
                }
                var before = (s.State, s.Target, string.Join(',', s.OffsetMinutes));
                if (await change(s) is { } stopped)
                {
                    return stopped;
                }
                if (before != (s.State, s.Target, string.Join(',', s.OffsetMinutes)))
                {
                    await db.Database.ExecuteSqlAsync($"SELECT request_reminder_plan('subscription', {s.Id})", ct);
                }
                s.UpdatedAt = clock.GetUtcNow();
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                return SubscriptionOutcome.Done(s, await FollowingAsync(s, ct));
            }, cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return SubscriptionOutcome.Conflict("This address already has a subscription for that: change that one from its own emails.");
        }
    }

    // Daily: addresses that never confirmed (their link has expired) and subscriptions stopped long
    // enough ago are deleted, with their reminders; nobody's address is kept without a use for it.
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var unconfirmed = now.AddDays(-options.Value.ConfirmationDays);
        var stopped = now.AddDays(-options.Value.KeepStoppedDays);
        // With their reminders not sent: a withdrawn one left in the outbox would keep its key, and
        // the same address subscribing again could not have it planned (the planner revives only
        // withdrawn reminders it has rows for). Sent ones stay, and are not sent again.
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var pruned = await db.Subscriptions
                .Where(s => (s.State == SubscriptionState.Pending && s.UpdatedAt < unconfirmed)
                    || (s.State == SubscriptionState.Unsubscribed && s.UnsubscribedAt < stopped))
                .Select(s => s.Id).ToArrayAsync(ct);
            await db.Database.ExecuteSqlAsync($"""
                DELETE FROM outbox_messages m USING reminders r
                 WHERE r.message_id = m.id AND r.subscription_id = ANY({pruned}) AND m.state IN ('pending', 'cancelled')
                """, ct);
            var deleted = await db.Subscriptions.Where(s => pruned.Contains(s.Id)).ExecuteDeleteAsync(ct);
            await transaction.CommitAsync(ct);
            return deleted;
        }, cancellationToken);
    }

    private IQueryable<Subscription> Matching(string email, SubscriptionTarget target)
    {
        var lower = email.ToLowerInvariant();
#pragma warning disable CA1304, CA1311, CA1862 // translated to SQL lower(), which the unique indexes use
        var all = db.Subscriptions.Where(s => s.Email.ToLower() == lower && s.Follows == target.Follows);
#pragma warning restore CA1304, CA1311, CA1862
        return target.Follows switch
        {
            Follows.Observance => all.Where(s => s.ObservanceId == target.Id),
            Follows.Venue => all.Where(s => s.VenueId == target.Id),
            Follows.Country => all.Where(s => s.Country == target.Country),
            _ => all.Where(s => s.EventId == target.Id),
        };
    }
}
