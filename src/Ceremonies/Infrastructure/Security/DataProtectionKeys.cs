using System.Xml.Linq;
using Ceremonies.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ceremonies.Infrastructure.Security;

public sealed class DataProtectionKey
{
    public int Id { get; init; }
    public string? FriendlyName { get; init; }
    public required string Xml { get; init; }
}

internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> builder) => builder.ToTable("data_protection_keys");
}

// Keys in the database, so every web process reads the cookies and tokens of the others. The
// EF Core key store package is not obtainable here; this is the same idea in a few lines.
internal sealed class DatabaseXmlRepository(IServiceScopeFactory scopes) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CeremoniesDb>();
        return [.. db.Set<DataProtectionKey>().AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).AsEnumerable().Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CeremoniesDb>();
        db.Set<DataProtectionKey>().Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }
}

public static class DataProtectionSetup
{
    public static IHostApplicationBuilder AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName("ceremonies");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IServiceScopeFactory>((options, scopes) => options.XmlRepository = new DatabaseXmlRepository(scopes));
        return builder;
    }
}
