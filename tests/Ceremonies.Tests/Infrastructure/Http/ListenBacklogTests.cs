using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Ceremonies.Tests.Infrastructure.Http;

[Collection(AppTests.Name)]
public sealed class ListenBacklogTests(AppFixture fixture)
{
    // Kestrel's default (512) overflowed under a one-second stall at 1,000 requests/s, and the
    // refused handshakes came back seconds later (ops/bench/bookings).
    [Fact]
    public async Task KestrelListensWithAnAcceptQueueLargeEnoughForASecondOfConnections()
    {
        var backlog = await fixture.App.InScopeAsync<IOptions<SocketTransportOptions>, int>(o => Task.FromResult(o.Value.Backlog));

        Assert.Equal(WebSetup.ListenBacklog, backlog);
        Assert.True(backlog >= 2048);
    }
}
