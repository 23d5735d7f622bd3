using Microsoft.AspNetCore.Http.HttpResults;

namespace Ceremonies.Features.Clock;

public sealed record ServerTime(DateTimeOffset Utc, long UnixMilliseconds);

// A venue's display estimates its clock offset against this (several samples, NTP-style) so its
// minute of silence starts at the same instant as everyone else's. Public: it reveals only the time.
public static class ClockEndpoints
{
    public static RouteGroupBuilder MapClock(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/time").WithTags("Clock").AllowAnonymous();
        group.MapGet("/", Now).WithName("ServerTime").WithSummary("The server's clock, for display synchronisation");
        return group;
    }

    private static Ok<ServerTime> Now(TimeProvider clock, HttpContext http)
    {
        var now = clock.GetUtcNow();
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new ServerTime(now, now.ToUnixTimeMilliseconds()));
    }
}
