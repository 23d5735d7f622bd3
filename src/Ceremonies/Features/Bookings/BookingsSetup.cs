using Ceremonies.Data;
using Ceremonies.Infrastructure.Jobs;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Bookings;

public static class BookingsSetup
{
    public static IHostApplicationBuilder AddBookings(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BookingOptions>().BindConfiguration(BookingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<RequestExpiry>();
        // Every minute: a request past its hold frees its slot and its requester hears so.
        builder.Services.AddRecurringJob<RequestExpiry>("booking-request-expiry", e => e.RunAsync(CancellationToken.None), "* * * * *");
        return builder;
    }

    public static IEndpointRouteBuilder MapBookingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapBookings();
        app.MapBlackouts();
        app.MapCalendarFeeds();
        return app;
    }
}

// Safe to run twice at once: a request already expired is no longer picked, and a booking's version
// check refuses the second save of the same one.
public sealed class RequestExpiry(CeremoniesDb db, TimeProvider clock)
{
    // The next minute's run does what a failed one did not: no retries of its own.
    [AutomaticRetry(Attempts = 0)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var overdue = await db.Bookings
            .Where(b => b.State == BookingState.Requested && b.ExpiresAt <= now)
            .OrderBy(b => b.ExpiresAt).Take(500)
            .ToListAsync(cancellationToken);
        if (overdue.Count > 0)
        {
            await BookingConflicts.ExpireAsync(db, overdue, now, cancellationToken);
        }
        return overdue.Count;
    }
}
