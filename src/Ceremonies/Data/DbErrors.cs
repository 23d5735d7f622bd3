using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ceremonies.Data;

// PostgreSQL holds the invariants; these recognise its refusals so the API can answer 409.
public static class DbErrors
{
    // An exclusion constraint's refusal, or a trigger's that guards an invariant no constraint can
    // (it raises exclusion_violation naming its rule as the constraint).
    public static bool IsExclusionViolation(this DbUpdateException error, params string[] constraints) =>
        error.InnerException is PostgresException pg && pg.IsExclusionViolation(constraints);

    public static bool IsExclusionViolation(this PostgresException error, params string[] constraints) =>
        error.SqlState == PostgresErrorCodes.ExclusionViolation && constraints.Contains(error.ConstraintName);

    public static bool IsUniqueViolation(this DbUpdateException error, params string[] constraints) =>
        error.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg
        && (constraints.Length == 0 || constraints.Contains(pg.ConstraintName));

    public static string? ConstraintName(this DbUpdateException error) => (error.InnerException as PostgresException)?.ConstraintName;
}
