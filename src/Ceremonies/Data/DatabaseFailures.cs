using System.Net.Sockets;
using Npgsql;

namespace Ceremonies.Data;

// What a failed database call means for the request that made it: whether doing it again is safe,
// and whether the database was merely out of reach (a restart, a dropped connection), which is a
// 503 with Retry-After rather than a 500.
public static class DatabaseFailures
{
    // PostgreSQL aborted the transaction to break a deadlock or a serialization conflict: nothing of
    // it was kept, so the same transaction may simply run again. Two bookings that conflict under the
    // exclusion constraint and are inserted at the same moment can each wait for the other.
    public static bool IsRolledBackConflict(Exception error) =>
        Find<PostgresException>(error)?.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;

    // No connection could be opened, so no statement reached the server: safe to try again.
    public static bool NeverConnected(Exception error) =>
        Find<PostgresException>(error)?.SqlState is PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections
        || Find<SocketException>(error)?.SocketErrorCode is SocketError.ConnectionRefused;

    // The database is out of reach for now: not connected, shut down or restarting, or the connection
    // broke. A write that failed this way may or may not have committed, so it is not repeated here;
    // the client is told to try again shortly.
    public static bool IsUnavailable(Exception error) =>
        NeverConnected(error) || IsBrokenConnection(error)
        || Find<NpgsqlException>(error) is { IsTransient: true } and not PostgresException;

    // The server ended the session (a restart or an administrator), or the connection failed mid-way:
    // other pooled connections to the same server are likely dead too.
    public static bool IsBrokenConnection(Exception error) =>
        Find<PostgresException>(error)?.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.ConnectionFailure
        || Find<NpgsqlException>(error) is { InnerException: IOException or SocketException or EndOfStreamException };

    private static T? Find<T>(Exception? error) where T : Exception
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is T found)
            {
                return found;
            }
        }
        return null;
    }
}
