using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    // Several processes may start together: EF takes an advisory lock around migrations.
    public bool MigrateOnStart { get; set; } = true;
}

public static class DataSetup
{
    public const string ConnectionName = "Ceremonies";

    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        builder.Services.AddDbContextPool<CeremoniesDb>((services, options) =>
            options.UseNpgsql(ConnectionString(services.GetRequiredService<IConfiguration>())));
        builder.Services.AddHealthChecks().AddDbContextCheck<CeremoniesDb>("database", tags: ["ready"]);
        return builder;
    }

    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionName)
        ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} is not set.");

    public static async Task MigrateIfConfiguredAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value;
        if (!options.MigrateOnStart)
        {
            return;
        }
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<CeremoniesDb>().Database.MigrateAsync(cancellationToken);
    }
}
