using System.Net;
using System.Net.Http.Json;
using Ceremonies.Features.Bookings;
using Ceremonies.Tests.Fakes;
using Ceremonies.Tests.Features.Bookings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ceremonies.Tests.Infrastructure;

// An expected refusal (a slot taken, a closure over bookings, a booking that cannot change state)
// is an answer, not an error: nothing about it is logged as a warning or an error, or with a trace.
[Collection(AppTests.Name)]
public sealed class RefusalLoggingTests(AppFixture fixture)
{
    [Fact]
    public async Task ConflictsAreAnsweredWithoutAnErrorOrAStackTraceInTheLog()
    {
        var log = new RecordingLogger();
        // The log levels the service ships with (appsettings.json), not the test suite's quieter ones.
        await using var app = fixture.StartAnotherApp(
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
            },
            services => services.AddSingleton<ILoggerProvider>(log));
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff, app);
        var book = new Uri($"/api/halls/{world.AssemblyHall.Id}/bookings", UriKind.Relative);
        var day = world.FreeDay();
        using var first = await staff.PostAsJsonAsync(book, BookingTests.Booking("Morning ceremony", day.AddHours(10), day.AddHours(11)));
        using var second = await staff.PostAsJsonAsync(book, BookingTests.Booking("Lecture", day.AddHours(13), day.AddHours(14)));
        var lecture = (await second.Content.ReadFromJsonAsync<BookingView>(BookingTests.Json))!; // 201, asserted below
        log.Entries.Clear();

        using var taken = await staff.PostAsJsonAsync(book, BookingTests.Booking("Same time", day.AddHours(10), day.AddHours(11)));
        using var moved = await staff.PatchAsJsonAsync(new Uri($"/api/bookings/{lecture.Id}", UriKind.Relative), new { start = day.AddHours(10).AddMinutes(30), end = day.AddHours(11).AddMinutes(30) });
        using var closed = await staff.PostAsJsonAsync(new Uri($"/api/halls/{world.AssemblyHall.Id}/blackouts", UriKind.Relative), new { start = day, end = day.AddDays(1), reason = "Maintenance" });
        using var confirmed = await staff.PostAsJsonAsync(new Uri($"/api/bookings/{lecture.Id}/confirm", UriKind.Relative), new { });

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created], [first.StatusCode, second.StatusCode]);
        Assert.Equal([HttpStatusCode.Conflict, HttpStatusCode.Conflict, HttpStatusCode.Conflict, HttpStatusCode.Conflict],
            [taken.StatusCode, moved.StatusCode, closed.StatusCode, confirmed.StatusCode]);
        var loud = log.Entries.Where(e => e.Level >= LogLevel.Warning || e.Exception is not null).ToList();
        Assert.True(loud.Count == 0, string.Join(Environment.NewLine, loud.Select(e => $"{e.Level} {e.Category}: {e.Message} {e.Exception?.GetType().Name}")));
    }
}
