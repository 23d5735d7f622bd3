using Ceremonies.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ceremonies.Infrastructure.Security;

// The key ring in the database (table data_protection_keys), so every web process reads the cookies
// and tokens of the others. Data protection reads and writes keys synchronously and Npgsql's
// multiplexing allows only asynchronous commands, so the keys have a context of their own on plain
// connections instead of a set in the app's CeremoniesDb.
public sealed class DataProtectionKeysDb(DbContextOptions<DataProtectionKeysDb> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
}

public static class DataProtectionSetup
{
    public static IHostApplicationBuilder AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDbContext<DataProtectionKeysDb>((services, options) => options
            .UseNpgsql(new NpgsqlConnectionStringBuilder(DataSetup.ConnectionString(services.GetRequiredService<IConfiguration>())) { Multiplexing = false }.ConnectionString)
            .UseSnakeCaseNamingConvention());
        builder.Services.AddDataProtection().SetApplicationName("ceremonies").PersistKeysToDbContext<DataProtectionKeysDb>();
        return builder;
    }
}
