using System.Net.Http.Json;
using Ceremonies.Features.Clock;

namespace Ceremonies.Tests.Features.Clock;

[Collection(AppTests.Name)]
public sealed class ClockTests(AppFixture fixture)
{
    [Fact]
    public async Task TheServerClockIsAnsweredUncached()
    {
        using var client = fixture.App.CreateClient();
        var before = DateTimeOffset.UtcNow;

        var response = await client.GetAsync(new Uri("/api/time", UriKind.Relative));
        var time = await response.Content.ReadFromJsonAsync<ServerTime>();

        Assert.NotNull(time);
        Assert.InRange(time.Utc, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(time.Utc.ToUnixTimeMilliseconds(), time.UnixMilliseconds);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }
}
