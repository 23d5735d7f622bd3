using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Ceremonies.Data;

// Rows written as one Npgsql batch on the context's connection, without EF's change tracking and
// SQL generation: for the one write that runs hundreds of times a second (booking a hall), where
// EF's update pipeline cost more CPU and allocated far more than the insert itself. PostgreSQL runs a
// batch as one implicit transaction, so the rows land together or not at all, in one round trip.
// Each entity that is written this way keeps its INSERT next to its EF configuration, and a test
// holds the two to the same columns.
public static class RowBatch
{
    // Through the context's execution strategy, like every EF call: a batch that PostgreSQL rolled
    // back as a deadlock runs again (RetryStrategy), after the caller's statement for a retry, if it
    // gives one. A command that has run keeps the state of its execution (Npgsql's prepared
    // statement), so a retry sends copies.
    public static Task InsertAsync(
        this CeremoniesDb db, IReadOnlyList<NpgsqlBatchCommand> rows, CancellationToken cancellationToken, Func<NpgsqlBatchCommand>? beforeRetry = null)
    {
        var attempt = 0;
        return db.Database.CreateExecutionStrategy().ExecuteAsync(async cancellationToken =>
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            try
            {
                await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection());
                if (attempt > 0 && beforeRetry is not null)
                {
                    batch.BatchCommands.Add(beforeRetry());
                }
                foreach (var row in rows)
                {
                    batch.BatchCommands.Add(attempt == 0 ? row : Copy(row));
                }
                attempt++;
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }, cancellationToken);
    }

    private static NpgsqlBatchCommand Copy(NpgsqlBatchCommand row)
    {
        var copy = new NpgsqlBatchCommand(row.CommandText);
        foreach (NpgsqlParameter parameter in row.Parameters)
        {
            copy.Parameters.Add(parameter.Clone());
        }
        return copy;
    }

    // INSERT INTO table (a, b, …) VALUES ($1, $2, …), one positional, typed parameter per column,
    // each column named next to its value. The text is built on first use into the caller's field.
    public static NpgsqlBatchCommand Insert(ref string? statement, string table, params ReadOnlySpan<(string Column, NpgsqlParameter Value)> columns)
    {
        statement ??= InsertSql(table, columns);
        var command = new NpgsqlBatchCommand(statement);
        foreach (var (_, value) in columns)
        {
            command.Parameters.Add(value);
        }
        return command;
    }

    // Every parameter carries its column's type, a null too, as EF's do: a statement then has the
    // same parameter types whichever columns are null (so Npgsql reuses its prepared statement), and a
    // DateTime is always a local (timestamp without time zone) value, whatever its Kind.
    public static NpgsqlParameter Value<T>(T value) => new NpgsqlParameter<T> { TypedValue = value, NpgsqlDbType = TypeOf<T>() };

    public static NpgsqlParameter Value<T>(T? value) where T : struct =>
        value is { } v ? Value(v) : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = TypeOf<T>() };

    public static NpgsqlParameter Value(string? value) =>
        value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text } : Value<string>(value);

    public static NpgsqlParameter Jsonb(string? value) =>
        new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static NpgsqlDbType TypeOf<T>() =>
        typeof(T) == typeof(Guid) ? NpgsqlDbType.Uuid
        : typeof(T) == typeof(string) ? NpgsqlDbType.Text
        : typeof(T) == typeof(int) ? NpgsqlDbType.Integer
        : typeof(T) == typeof(long) ? NpgsqlDbType.Bigint
        : typeof(T) == typeof(bool) ? NpgsqlDbType.Boolean
        : typeof(T) == typeof(DateTimeOffset) ? NpgsqlDbType.TimestampTz // UTC instants
        : typeof(T) == typeof(DateTime) ? NpgsqlDbType.Timestamp // wall-clock times in a named zone
        : throw new NotSupportedException($"No column type for {typeof(T)}: add it here.");

    private static string InsertSql(string table, ReadOnlySpan<(string Column, NpgsqlParameter Value)> columns)
    {
        var names = new List<string>(columns.Length);
        var places = new List<string>(columns.Length);
        foreach (var (column, _) in columns)
        {
            names.Add(column);
            places.Add($"${places.Count + 1}");
        }
        return $"INSERT INTO {table} ({string.Join(", ", names)}) VALUES ({string.Join(", ", places)})";
    }
}
