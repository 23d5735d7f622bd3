using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Ceremonies.Data;

// EF runs every query and every SaveChanges through this strategy (RowBatch too), so each write
// and read of the app gets the same rules in one place:
// - a transaction PostgreSQL rolled back as a deadlock or serialization failure runs again, a few
//   times after a short random pause; the retry then finds what is really there (the booking goes
//   in, or the exclusion constraint names what is in the way and the caller answers 409);
// - a call that could not even connect runs again after a pause (nothing reached the server);
// - a read in a GET or HEAD request whose connection broke (the server restarted) runs again on a
//   fresh connection; a write that broke mid-way may have committed, so it is not repeated.
// Whatever still fails reaches DatabaseUnavailableHandler, which answers 503 with Retry-After.
// EF's own NpgsqlRetryingExecutionStrategy retries every transient error, writes included, and
// waits a second or more between tries, which is far too long for a deadlock between two bookings.
public sealed class RetryStrategy(ExecutionStrategyDependencies dependencies, IHttpContextAccessor http)
    : ExecutionStrategy(dependencies, MaxRetries, TimeSpan.FromSeconds(1))
{
    public const int MaxRetries = 4;

    protected override bool ShouldRetryOn(Exception exception)
    {
        if (DatabaseFailures.IsBrokenConnection(exception))
        {
            // The server went away: its other pooled connections are dead too. Drop them all now
            // rather than fail one request per stale connection.
            NpgsqlConnection.ClearPool((NpgsqlConnection)Dependencies.CurrentContext.Context.Database.GetDbConnection());
        }
        return DatabaseFailures.IsRolledBackConflict(exception)
            || DatabaseFailures.NeverConnected(exception)
            || (DatabaseFailures.IsUnavailable(exception) && IsRead(http.HttpContext));
    }

    // Conflicts clear in milliseconds; a database that is restarting needs a little longer.
    protected override TimeSpan? GetNextDelay(Exception lastException)
    {
        var attempt = ExceptionsEncountered.Count;
        if (attempt > MaxRetryCount)
        {
            return null;
        }
        return DatabaseFailures.IsRolledBackConflict(lastException)
            ? TimeSpan.FromMilliseconds(Random.Shared.Next(5, 25) * attempt)
            : TimeSpan.FromMilliseconds(Random.Shared.Next(150, 300) * attempt);
    }

    private static bool IsRead(HttpContext? context) =>
        context is not null && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method));
}
