using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Outbox;
using Ceremonies.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        var clock = new ManualClock(DateTimeOffset.UtcNow);
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
        Assert.Equal(clock.GetUtcNow().AddSeconds(30), pending.DueAt, TimeSpan.FromMilliseconds(1));

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
    public async Task ASecondMessageWithTheSameIdempotencyKeyIsRefused()
    {
        var to = $"twice-{Guid.NewGuid():N}@example.test";
        await WriteInTransactionAsync(Message(to), commit: true);

        var error = await Assert.ThrowsAsync<DbUpdateException>(() => WriteInTransactionAsync(Message(to), commit: true));

        Assert.Contains("outbox_messages_idempotency_key", error.InnerException?.Message, StringComparison.Ordinal);
    }

    private static OutboxMessage Message(string to, DateTimeOffset? now = null) =>
        OutboxMessage.Email($"test:{to}", to, $"Reminder for {to}", "The observance begins at 17:00 Asia/Baku.", null, now ?? DateTimeOffset.UtcNow);

    private async Task WriteInTransactionAsync(OutboxMessage message, bool commit)
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CeremoniesDb>();
        // An explicit transaction runs as one unit of the context's retrying execution strategy.
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Outbox.Add(message);
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
