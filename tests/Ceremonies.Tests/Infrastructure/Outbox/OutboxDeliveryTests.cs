using System.Text;
using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Email;
using Ceremonies.Infrastructure.Outbox;
using Ceremonies.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Ceremonies.Tests.Infrastructure.Outbox;

[Collection(AppTests.Name)]
public sealed class OutboxDeliveryTests(AppFixture fixture)
{
    [Fact]
    public async Task AMessageOfACommittedTransactionArrivesOnceAndOneOfARolledBackTransactionNever()
    {
        var committedTo = $"committed-{Guid.NewGuid():N}@example.test";
        var rolledBackTo = $"rolled-back-{Guid.NewGuid():N}@example.test";
        await WriteInTransactionAsync(Message(committedTo), commit: true);
        await WriteInTransactionAsync(Message(rolledBackTo), commit: false);

        await DispatchAsync(fixture.App);
        await DispatchAsync(fixture.App);

        var arrived = await fixture.MailDev.WaitForAsync(committedTo);
        var mail = Assert.Single(arrived);
        Assert.Equal($"Reminder for {committedTo}", mail.Subject);
        Assert.Empty(await fixture.MailDev.ToAsync(rolledBackTo));
        var rows = await fixture.App.InScopeAsync<CeremoniesDb, List<OutboxMessage>>(db =>
            db.Outbox.AsNoTracking().Where(m => m.Recipient == committedTo || m.Recipient == rolledBackTo).ToListAsync());
        var row = Assert.Single(rows);
        Assert.Equal(OutboxState.Sent, row.State);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(OutboxMessage.MessageIdFor(row.IdempotencyKey, "ceremonies.local"), mail.Header("message-id"));
    }

    [Fact]
    public async Task AMessageWaitsOutAnSmtpOutageAndArrivesWhenTheServerIsBack()
    {
        await using var smtp = new MailDevProcess();
        await smtp.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAnotherApp(
            new Dictionary<string, string?> { ["Email:Smtp:Port"] = $"{smtp.SmtpPort}", ["Outbox:RetryBaseSeconds"] = "30" },
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var to = $"outage-{Guid.NewGuid():N}@example.test";

        await smtp.StopAsync();
        await WriteInTransactionAsync(Message(to, clock.GetUtcNow()), commit: true);
        var whileDown = await DispatchAsync(app);

        var pending = await RowAsync(to);
        Assert.True(whileDown.Failed >= 1);
        Assert.Equal(OutboxState.Pending, pending.State);
        Assert.Equal(1, pending.Attempts);
        Assert.NotNull(pending.LastError);
        // 30 s less up to a quarter of it (Outbox:RetryJitterPercent); a millisecond either side for the stored precision.
        Assert.InRange(pending.DueAt, clock.GetUtcNow().AddSeconds(22.5).AddMilliseconds(-1), clock.GetUtcNow().AddSeconds(30).AddMilliseconds(1));

        // Not due yet: nothing is tried before the backoff ends.
        await smtp.StartAsync();
        await DispatchAsync(app);
        Assert.Equal(1, (await RowAsync(to)).Attempts);

        clock.Advance(TimeSpan.FromSeconds(31));
        await DispatchAsync(app);

        using var inbox = smtp.Client;
        Assert.Single(await inbox.WaitForAsync(to));
        var sent = await RowAsync(to);
        Assert.Equal(OutboxState.Sent, sent.State);
        Assert.Equal(2, sent.Attempts);
    }

    [Fact]
    public async Task AnOutageCostsOnlyTheMessagesThatFoundItAndTheRestGoAtOnceWhenTheServerIsBack()
    {
        await using var smtp = new MailDevProcess();
        await smtp.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAnotherApp(
            new Dictionary<string, string?> { ["Email:Smtp:Port"] = $"{smtp.SmtpPort}", ["Email:Smtp:Connections"] = "2" },
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var tag = Guid.NewGuid().ToString("N");
        var messages = Enumerable.Range(0, 30).Select(i => Message($"down-{i}-{tag}@example.test", clock.GetUtcNow())).ToArray();
        await WriteInTransactionAsync(messages);

        await smtp.StopAsync();
        var whileDown = await DispatchAsync(app);

        var rows = await fixture.App.InScopeAsync<CeremoniesDb, List<OutboxMessage>>(db =>
            db.Outbox.AsNoTracking().Where(m => m.Recipient.Contains(tag)).ToListAsync());
        var tried = rows.Where(m => m.Attempts > 0).ToList();
        // The sends already on their way when the first failed (one per connection) found the
        // outage; the rest were handed back untried, neither leased nor charged an attempt.
        Assert.True(tried.Count is >= 1 and <= 2, string.Join("\n", tried.Select(m => $"{m.Attempts} {m.DueAt:O} {m.LastError}")));
        Assert.Equal(tried.Count, whileDown.Failed);
        Assert.All(tried, m => Assert.NotNull(m.LastError));
        Assert.All(rows.Except(tried), m => Assert.True(m.Attempts == 0 && m.LastError is null && m.LockedUntil is null));
        Assert.All(rows, m => Assert.Equal(OutboxState.Pending, m.State));

        await smtp.StartAsync();
        var back = await DispatchAsync(app);

        Assert.Equal(30 - tried.Count, back.Sent);
        using var inbox = smtp.Client;
        foreach (var untried in rows.Except(tried))
        {
            Assert.Single(await inbox.WaitForAsync(untried.Recipient));
        }
    }

    [Fact]
    public async Task AMessagePastItsDeadlineIsNeverSent()
    {
        var to = $"late-{Guid.NewGuid():N}@example.test";
        var now = DateTimeOffset.UtcNow;
        await WriteInTransactionAsync(
            OutboxMessage.Email($"test:{to}", to, "Too late", "This must not arrive.", null, now, now.AddMinutes(-10), deadline: now.AddMinutes(-1)),
            commit: true);

        await DispatchAsync(fixture.App);

        var row = await RowAsync(to);
        Assert.Equal(OutboxState.Dead, row.State);
        Assert.Contains("deadline", row.LastError, StringComparison.Ordinal);
        await Task.Delay(500);
        Assert.Empty(await fixture.MailDev.ToAsync(to));
    }

    [Fact]
    public async Task AnAddressTheServerCannotTakeIsGivenUpAtOnce()
    {
        var to = $"not an address {Guid.NewGuid():N}";
        await WriteInTransactionAsync(Message(to), commit: true);

        await DispatchAsync(fixture.App);

        var row = await RowAsync(to);
        Assert.Equal(OutboxState.Dead, row.State);
        Assert.Equal(1, row.Attempts);
    }

    [Fact]
    public async Task AMailArrivesAsTextAndHtmlInAnyScriptWithItsCalendarItsHeadersAndTheMessageIdOfItsKey()
    {
        const string fromName = "Xocalı Soyqırımı Memorialı — Мемориал — Mémorial";
        await using var app = fixture.StartAnotherApp(new Dictionary<string, string?> { ["Email:FromName"] = fromName });
        var to = $"mime-{Guid.NewGuid():N}@example.test";
        const string subject = "Anım mərasimi: ə ğ ş — Минута молчания: ж — Cérémonie: é";
        var uid = $"observance-{Guid.NewGuid():N}@ceremonies";
        var ics = string.Join("\r\n",
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Ceremonies//Tests//EN", "METHOD:PUBLISH",
            "BEGIN:VEVENT", $"UID:{uid}", "DTSTAMP:20261202T090000Z", "DTSTART:20270226T130000Z", "DTEND:20270226T130100Z",
            "SUMMARY:Minute of silence — Xocalı: ə ğ ş ж é", "END:VEVENT", "END:VCALENDAR", "");
        var message = OutboxMessage.Email($"test:{to}", to, subject, "The minute of silence: ə ğ ş ж é.", "<p>The minute of silence: <b>ə ğ ş ж é</b>.</p>",
            DateTimeOffset.UtcNow,
            attachments: [new EmailAttachment("minute-of-silence.ics", "text/calendar; method=PUBLISH; charset=utf-8", Encoding.UTF8.GetBytes(ics))],
            headers: new Dictionary<string, string> { ["List-Unsubscribe"] = "<https://ceremonies.test/unsubscribe?token=abc>", ["Auto-Submitted"] = "auto-generated" });
        await WriteInTransactionAsync(message);

        await DispatchAsync(app);

        var mail = Assert.Single(await fixture.MailDev.WaitForAsync(to));
        Assert.Equal(subject, mail.Subject);
        Assert.Equal(fromName, Assert.Single(mail.From).Name);
        Assert.Equal("The minute of silence: ə ğ ş ж é.", mail.Text?.TrimEnd());
        Assert.Contains("<b>ə ğ ş ж é</b>", mail.Html, StringComparison.Ordinal);
        Assert.Equal(OutboxMessage.MessageIdFor(message.IdempotencyKey, "ceremonies.local"), mail.Header("message-id"));
        Assert.Equal("auto-generated", mail.Header("auto-submitted"));
        var source = await fixture.MailDev.SourceAsync(mail); // MailDev reads List-Unsubscribe into a structure of its own
        Assert.Contains("\r\nList-Unsubscribe: <https://ceremonies.test/unsubscribe?token=abc>\r\n", source, StringComparison.Ordinal);
        Assert.Matches("(?i)content-type: multipart/alternative", source);
        var attachment = Assert.Single(mail.Attachments ?? []);
        Assert.Equal("minute-of-silence.ics", attachment.FileName);
        Assert.Equal("text/calendar", attachment.ContentType);
        var calendar = Encoding.UTF8.GetString(await fixture.MailDev.AttachmentAsync(mail, attachment));
        using var parsed = JsonDocument.Parse(await IcsParser.ParseAsync(calendar));
        var minute = Assert.Single(parsed.RootElement.GetProperty("events").EnumerateArray().ToList());
        Assert.Equal(uid, minute.GetProperty("uid").GetString());
        Assert.Equal("Minute of silence — Xocalı: ə ğ ş ж é", minute.GetProperty("summary").GetString());
        Assert.Equal(new DateTimeOffset(2027, 2, 26, 13, 0, 0, TimeSpan.Zero), minute.GetProperty("start").GetDateTimeOffset());
    }

    [Fact]
    public async Task ARefusedRecipientIsGivenUpAtOnceAndABusyOneIsTriedAgainAfterTheBackoff()
    {
        await using var smtp = new ScriptedSmtpServer(address =>
            address.StartsWith("refused-", StringComparison.Ordinal) ? "550 5.1.1 No such user here"
            : address.StartsWith("busy-", StringComparison.Ordinal) ? "451 4.2.1 Mailbox busy, try again later"
            : "250 OK");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAnotherApp(
            new Dictionary<string, string?> { ["Email:Smtp:Port"] = $"{smtp.Port}", ["Outbox:RetryBaseSeconds"] = "600" },
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var tag = Guid.NewGuid().ToString("N");
        string refused = $"refused-{tag}@example.test", busy = $"busy-{tag}@example.test", fine = $"fine-{tag}@example.test";
        await WriteInTransactionAsync(Message(refused, clock.GetUtcNow()), Message(busy, clock.GetUtcNow()), Message(fine, clock.GetUtcNow()));

        await DispatchAsync(app);

        var dead = await RowAsync(refused);
        Assert.Equal(OutboxState.Dead, dead.State);
        Assert.Equal(1, dead.Attempts);
        Assert.Contains("No such user here", dead.LastError, StringComparison.Ordinal);
        var waiting = await RowAsync(busy);
        Assert.Equal(OutboxState.Pending, waiting.State);
        Assert.Equal(1, waiting.Attempts);
        Assert.Contains("Mailbox busy", waiting.LastError, StringComparison.Ordinal);
        Assert.InRange(waiting.DueAt, clock.GetUtcNow().AddSeconds(450).AddMilliseconds(-1), clock.GetUtcNow().AddSeconds(600).AddMilliseconds(1));
        Assert.Equal(OutboxState.Sent, (await RowAsync(fine)).State);
        Assert.Equal(fine, Assert.Single(smtp.Delivered, a => a.Contains(tag, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task FiftyMessagesOverAPoolOfTwoGoOutTogetherOnTwoConnections()
    {
        await using var smtp = new ScriptedSmtpServer(_ => "250 OK");
        await using var app = fixture.StartAnotherApp(
            new Dictionary<string, string?> { ["Email:Smtp:Port"] = $"{smtp.Port}", ["Email:Smtp:Connections"] = "2" });
        var tag = Guid.NewGuid().ToString("N");
        var messages = Enumerable.Range(0, 50).Select(i => Message($"pool-{i}-{tag}@example.test")).ToArray();
        await WriteInTransactionAsync(messages);

        await DispatchAsync(app);

        Assert.Equal(50, smtp.Delivered.Count(a => a.Contains(tag, StringComparison.Ordinal)));
        // A connection is opened only when none is free: one would mean the sends ran one after another, more that none was reused.
        Assert.Equal(2, smtp.Sessions);
    }

    [Fact]
    public async Task ANodeRenewsTheLeaseOfAMessageItIsStillSendingSoNoOtherNodeTakesIt()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var accept = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var smtp = new ScriptedSmtpServer(_ => "250 OK", async () =>
        {
            arrived.TrySetResult();
            await accept.Task;
        });
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?> { ["Email:Smtp:Port"] = $"{smtp.Port}", ["Outbox:LeaseSeconds"] = "6" };
        await using var slow = fixture.StartAnotherApp(settings, services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        await using var other = fixture.StartAnotherApp(settings, services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var to = $"slow-{Guid.NewGuid():N}@example.test";
        await WriteInTransactionAsync(Message(to, clock.GetUtcNow()));

        var sending = DispatchAsync(slow);
        DispatchResult taken;
        try
        {
            await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var firstLeaseEnd = (await RowAsync(to)).LockedUntil;
            // Past the first lease in steps of one renewal period (2 s), each step letting the renewal run.
            for (var step = 0; step < 4; step++)
            {
                var before = (await RowAsync(to)).LockedUntil;
                clock.Advance(TimeSpan.FromSeconds(2));
                await WaitUntilAsync(async () => (await RowAsync(to)).LockedUntil > before);
            }
            var renewed = await RowAsync(to);
            Assert.True(renewed.LockedUntil > clock.GetUtcNow(), $"the lease ends at {renewed.LockedUntil}, now is {clock.GetUtcNow()}");
            Assert.True(clock.GetUtcNow() > firstLeaseEnd, "the first lease is over");

            taken = await DispatchAsync(other);
        }
        finally
        {
            accept.TrySetResult();
        }
        var done = await sending;

        Assert.Equal(new DispatchResult(0, 0, 0), taken);
        Assert.Equal(1, done.Sent);
        Assert.Equal(to, Assert.Single(smtp.Delivered, a => a == to));
        var row = await RowAsync(to);
        Assert.Equal(OutboxState.Sent, row.State);
        Assert.Equal(1, row.Attempts);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 60 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ASecondMessageWithTheSameIdempotencyKeyIsRefused()
    {
        var to = $"twice-{Guid.NewGuid():N}@example.test";
        await WriteInTransactionAsync(Message(to), commit: true);

        var error = await Assert.ThrowsAsync<DbUpdateException>(() => WriteInTransactionAsync(Message(to), commit: true));

        Assert.Contains("outbox_messages_idempotency_key", error.InnerException?.Message, StringComparison.Ordinal);
    }

    private static OutboxMessage Message(string to, DateTimeOffset? now = null) =>
        OutboxMessage.Email($"test:{to}", to, $"Reminder for {to}", "The observance begins at 17:00 Asia/Baku.", null, now ?? DateTimeOffset.UtcNow);

    private Task WriteInTransactionAsync(params OutboxMessage[] messages) => WriteInTransactionAsync(messages, commit: true);

    private Task WriteInTransactionAsync(OutboxMessage message, bool commit) => WriteInTransactionAsync([message], commit);

    private async Task WriteInTransactionAsync(OutboxMessage[] messages, bool commit)
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CeremoniesDb>();
        // An explicit transaction runs as one unit of the context's retrying execution strategy.
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Outbox.AddRange(messages);
            await db.SaveChangesAsync();
            if (commit)
            {
                await transaction.CommitAsync();
            }
            else
            {
                await transaction.RollbackAsync();
            }
        });
    }

    private Task<OutboxMessage> RowAsync(string to) =>
        fixture.App.InScopeAsync<CeremoniesDb, OutboxMessage>(db => db.Outbox.AsNoTracking().SingleAsync(m => m.Recipient == to));

    private static Task<DispatchResult> DispatchAsync(CeremoniesApp app) =>
        app.InScopeAsync<OutboxDispatcher, DispatchResult>(d => d.RunAsync(CancellationToken.None));
}
