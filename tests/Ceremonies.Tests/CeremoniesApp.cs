using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Ceremonies.Tests;

// One real instance of the app: Kestrel on a free loopback port, its own settings and services.
public sealed class CeremoniesApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public CeremoniesApp(
        string connectionString, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var (smtpHost, smtpPort) = TestEnvironment.Smtp;
        _settings = new()
        {
            ["ConnectionStrings:Ceremonies"] = connectionString,
            ["Scheduler:Enabled"] = "false",
            ["Email:Smtp:Host"] = smtpHost,
            ["Email:Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Smtp:TimeoutSeconds"] = "10",
            ["Logging:LogLevel:Default"] = "Warning",
            // Every test signs in from 127.0.0.1; the limits have tests of their own.
            ["RateLimits:SignInPermits"] = "100000",
            ["RateLimits:AccountMailPermits"] = "100000",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Critical",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
        _services = services;
        UseKestrel(0);
    }

    public Uri Address
    {
        get
        {
            StartServer();
            // Kestrel always carries the addresses feature.
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        }
    }

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    public async Task<TResult> InScopeAsync<T, TResult>(Func<T, Task<TResult>> action) where T : notnull
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<T>());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseUrls("http://127.0.0.1:0");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }
}
