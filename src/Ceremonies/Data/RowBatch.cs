using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ceremonies.Data;

// Rows written as one Npgsql batch on the context's connection, without EF's change tracking and
// SQL generation: for the one write that runs hundreds of times a second (booking a hall), where
// EF's update pipeline cost more CPU and allocated far more than the insert itself. PostgreSQL runs a
// batch as one implicit transaction, so the rows land together or not at all, in one round trip.
// Each entity that is written this way keeps its INSERT next to its EF configuration, and a test
// holds the two to the same columns.
public static class RowBatch
{
    public static async Task InsertAsync(this CeremoniesDb db, IEnumerable<NpgsqlBatchCommand> rows, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection());
            foreach (var row in rows)
            {
                batch.BatchCommands.Add(row);
            }
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
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

    public static NpgsqlParameter Value<T>(T value) => new NpgsqlParameter<T> { TypedValue = value };

    public static NpgsqlParameter Value<T>(T? value) where T : struct =>
        value is { } v ? new NpgsqlParameter<T> { TypedValue = v } : new NpgsqlParameter { Value = DBNull.Value };

    public static NpgsqlParameter Value(string? value) =>
        value is null ? new NpgsqlParameter { Value = DBNull.Value } : new NpgsqlParameter<string> { TypedValue = value };

    public static NpgsqlParameter Jsonb(string? value) =>
        new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb };

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
