using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ceremonies.Tests.Infrastructure.Outbox;

[Collection(AppTests.Name)]
public sealed class OutboxPruningTests(AppFixture fixture)
{
    [Fact]
    public async Task SentMessagesPastTheirKeepAreDeletedAndEverythingElseStays()
    {
        var now = DateTimeOffset.UtcNow;
        var recipient = $"prune-{Guid.NewGuid():N}@example.test";
        OutboxMessage Message(string name, OutboxState state, DateTimeOffset created, DateTimeOffset? sent = null)
        {
            var message = OutboxMessage.Email($"prune:{recipient}:{name}", recipient, name, "text", null, created);
            message.State = state;
            message.SentAt = sent;
            return message;
        }
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Outbox.AddRange(
                Message("sent long ago", OutboxState.Sent, now.AddDays(-40), now.AddDays(-31)),
                Message("sent lately", OutboxState.Sent, now.AddDays(-40), now.AddDays(-29)),
                Message("dead long ago", OutboxState.Dead, now.AddDays(-40)),
                Message("pending long ago", OutboxState.Pending, now.AddDays(-40)));
            return db.SaveChangesAsync();
        });

        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var job = ActivatorUtilities.CreateInstance<OutboxPruning>(scope.ServiceProvider, (TimeProvider)new FakeTimeProvider(now));
            Assert.True(await job.RunAsync(CancellationToken.None) >= 1);
        }

        var left = await fixture.App.InScopeAsync<CeremoniesDb, List<string>>(db =>
            db.Outbox.Where(m => m.Recipient == recipient).OrderBy(m => m.Subject).Select(m => m.Subject).ToListAsync());
        Assert.Equal(["dead long ago", "pending long ago", "sent lately"], left);
    }
}
