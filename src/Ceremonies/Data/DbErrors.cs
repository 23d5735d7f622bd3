using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ceremonies.Data;

// PostgreSQL holds the invariants; these recognise its refusals so the API can answer 409.
public static class DbErrors
{
    public static bool IsExclusionViolation(this DbUpdateException error, string constraint) =>
        error.InnerException is PostgresException { SqlState: PostgresErrorCodes.ExclusionViolation } pg && pg.ConstraintName == constraint;
}
