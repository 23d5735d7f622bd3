using System.Xml.Linq;
using Ceremonies.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Ceremonies.Infrastructure.Security;

// Keys in the database (table data_protection_keys), so every web process reads the cookies and
// tokens of the others. The EF Core key store package is not obtainable here; this is the same
// idea in a few lines. Data protection asks synchronously, so the repository has connections of its
// own, never multiplexed (Npgsql's multiplexing allows only asynchronous commands).
internal sealed class DatabaseXmlRepository(string connectionString) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT xml FROM data_protection_keys ORDER BY id", connection);
        using var reader = command.ExecuteReader();
        var keys = new List<XElement>();
        while (reader.Read())
        {
            keys.Add(XElement.Parse(reader.GetString(0)));
        }
        return keys;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml)", connection);
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}

public static class DataProtectionSetup
{
    public static IHostApplicationBuilder AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName("ceremonies");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IConfiguration>((options, configuration) => options.XmlRepository = new DatabaseXmlRepository(
                new NpgsqlConnectionStringBuilder(DataSetup.ConnectionString(configuration)) { Multiplexing = false }.ConnectionString));
        return builder;
    }
}
