using System.Net;
using System.Text.Json;

namespace Ceremonies.Tests.Infrastructure;

[Collection(AppTests.Name)]
public sealed class HealthTests(AppFixture fixture)
{
    [Fact]
    public async Task LivenessAnswersHealthy()
    {
        using var client = fixture.App.CreateClient();

        var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ReadinessChecksTheDatabaseTheSchedulerAndSmtp()
    {
        using var client = fixture.App.CreateClient();

        var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = body.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("smtp").GetProperty("status").GetString());
        // This process runs no scheduler and none other is running here: reported, not fatal.
        Assert.True(checks.TryGetProperty("scheduler", out _));
        Assert.NotEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task ReadinessFailsNamingSmtpWhenTheMailServerIsUnreachable()
    {
        await using var app = fixture.StartAnotherApp(new Dictionary<string, string?>
        {
            ["Email:Smtp:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var client = app.CreateClient();

        var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = body.RootElement.GetProperty("checks");
        Assert.Equal("Unhealthy", checks.GetProperty("smtp").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
    }
}
