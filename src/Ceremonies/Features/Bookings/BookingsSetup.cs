using Ceremonies.Data;
using Ceremonies.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Ceremonies.Features.Bookings;

public static class BookingsSetup
{
    public static IHostApplicationBuilder AddBookings(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BookingOptions>().BindConfiguration(BookingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    public static IQuartzBuilder AddBookingJobs(this IQuartzBuilder quartz) =>
        // Every minute: a request past its hold frees its slot and its requester hears so.
        quartz.ScheduleRecurring<RequestExpiryJob>("booking-request-expiry", "every-1m",
            SimpleScheduleBuilder.Create().WithInterval(TimeSpan.FromMinutes(1)).RepeatForever()
                .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount));

    public static IEndpointRouteBuilder MapBookingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapBookings();
        app.MapBlackouts();
        app.MapCalendarFeeds();
        return app;
    }
}

[DisallowConcurrentExecution]
internal sealed class RequestExpiryJob(CeremoniesDb db, TimeProvider clock) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await RunAsync(cancellationToken);

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
