using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Infrastructure.Outbox;

// Every booking and account mail leaves a row; once sent it is only history (the audit log keeps
// what happened), so sent rows are deleted after a while and the table stays the size of its work.
public sealed class OutboxPruning(CeremoniesDb db, TimeProvider clock, IOptions<OutboxOptions> options)
{
    // The next day's run does what a failed one did not: no retries of its own.
    [AutomaticRetry(Attempts = 0)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - TimeSpan.FromDays(options.Value.KeepSentDays);
        return await db.Outbox
            .Where(m => (m.State == OutboxState.Sent && m.SentAt < cutoff) || (m.State == OutboxState.Cancelled && m.CreatedAt < cutoff))
            .ExecuteDeleteAsync(cancellationToken);
    }
}
