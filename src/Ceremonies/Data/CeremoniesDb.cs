using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Data;

// The context names no entity: each feature keeps its entity and configuration in its own folder
// and adds its set as an extension property (db.Bookings), so references run from features to Data.
public sealed class CeremoniesDb(DbContextOptions<CeremoniesDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CeremoniesDb).Assembly);

        // The tables are written by hand in snake_case; map every CLR name onto that.
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            entity.SetTableName(entity.GetTableName() is { } table ? SnakeCase(table) : null);
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    internal static string SnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
            {
                result.Append('_');
            }
            result.Append(char.ToLowerInvariant(c));
        }
        return result.ToString();
    }
}
