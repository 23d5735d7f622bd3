using Ceremonies.Data;
using Ceremonies.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace Ceremonies.Tests.Data;

// The tables are written by hand (Data/Migrations) and EF finds its names by convention
// (EFCore.NamingConventions): the two must agree on every table and column, both ways.
[Collection(AppTests.Name)]
public sealed class SchemaNamesTests(AppFixture fixture)
{
    [Fact]
    public async Task EveryTableAndColumnOfTheModelIsInTheMigratedDatabaseAndNoColumnIsLeftOut()
    {
        var model = await fixture.App.InScopeAsync<CeremoniesDb, Dictionary<string, SortedSet<string>>>(db => Task.FromResult(Columns(db.Model)));
        var keys = await fixture.App.InScopeAsync<DataProtectionKeysDb, Dictionary<string, SortedSet<string>>>(db => Task.FromResult(Columns(db.Model)));
        var database = await DatabaseColumnsAsync();

        Assert.Subset(model.Keys.ToHashSet(), new HashSet<string> { "users", "roles", "user_roles", "user_claims", "user_logins", "user_tokens", "role_claims" });
        Assert.Equal(["data_protection_keys"], keys.Keys);
        Assert.DoesNotContain("data_protection_keys", model.Keys);
        foreach (var (table, columns) in keys)
        {
            model[table] = columns;
        }
        Assert.All(model, table =>
        {
            Assert.True(database.ContainsKey(table.Key), $"table {table.Key} is not in the database");
            Assert.Equal(database[table.Key], table.Value);
        });
    }

    // Databases migrated before the convention keep EF's history table as EF named it.
    [Fact]
    public async Task TheMigrationsHistoryKeepsEfsOwnNames()
    {
        var database = await DatabaseColumnsAsync();

        Assert.Equal(["MigrationId", "ProductVersion"], database["__EFMigrationsHistory"]);
    }

    [Fact]
    public async Task RowVersionsAreThePostgreSqlSystemColumnXmin()
    {
        var versions = await fixture.App.InScopeAsync<CeremoniesDb, List<(string Table, string Column, bool Token)>>(db => Task.FromResult(
            db.Model.GetEntityTypes().SelectMany(e => e.GetProperties().Where(p => p.Name == "Version")
                .Select(p => (e.GetTableName()!, p.GetColumnName(StoreObjectIdentifier.Table(e.GetTableName()!, e.GetSchema()))!, p.IsConcurrencyToken))).ToList()));

        Assert.Equal(["bookings", "events", "halls", "observances", "venues"], versions.Select(v => v.Table).Order());
        Assert.All(versions, v => Assert.Equal(("xmin", true), (v.Column, v.Token)));
    }

    // Table name → its columns, for every entity type mapped to a table (several may share one).
    // xmin is PostgreSQL's system column: every table has it and information_schema lists none.
    private static Dictionary<string, SortedSet<string>> Columns(IModel model)
    {
        var tables = new Dictionary<string, SortedSet<string>>();
        foreach (var entity in model.GetEntityTypes())
        {
            if (entity.GetTableName() is not { } name)
            {
                continue;
            }
            var table = StoreObjectIdentifier.Table(name, entity.GetSchema());
            Assert.Null(entity.GetSchema());
            var columns = tables.TryGetValue(name, out var known) ? known : tables[name] = [];
            foreach (var property in entity.GetProperties())
            {
                if (property.GetColumnName(table) is { } column and not "xmin")
                {
                    columns.Add(column);
                }
            }
        }
        return tables;
    }

    private async Task<Dictionary<string, SortedSet<string>>> DatabaseColumnsAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new Dictionary<string, SortedSet<string>>();
        while (await reader.ReadAsync())
        {
            var name = reader.GetString(0);
            (tables.TryGetValue(name, out var columns) ? columns : tables[name] = []).Add(reader.GetString(1));
        }
        return tables;
    }
}
