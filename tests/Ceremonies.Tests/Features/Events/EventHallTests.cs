using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Events;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Events;

// An event held in a hall of the service books it by the booking rules, and its booking follows it.
[Collection(AppTests.Name)]
public sealed class EventHallTests(AppFixture fixture)
{
    [Fact]
    public async Task AnEventInAHallRequestsItAndASecondEventAtThatTimeIsRefusedAndStoresNothing()
    {
        var world = await World.CreateAsync(fixture);
        var day = world.FreeDay();
        using var organizer = await world.ClientAsync(Who.Organizer);
        using var other = await world.ClientAsync(Who.StaffOfAnotherVenue);

        using var created = await organizer.PostAsJsonAsync(new Uri("/api/events", UriKind.Relative), Body(world, day.AddHours(10), "Evening of remembrance"));
        using var taken = await other.PostAsJsonAsync(new Uri("/api/events", UriKind.Relative), Body(world, day.AddHours(10).AddMinutes(30), "Concert of remembrance"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var view = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var bookingId = view.RootElement.GetProperty("bookingId").GetGuid();
        Assert.Equal(world.AssemblyHall.Id, view.RootElement.GetProperty("hallId").GetGuid());
        var booking = await BookingAsync(bookingId);
        Assert.Equal(BookingState.Requested, booking.State);
        Assert.Equal(world.Person(Who.Organizer).Id, booking.RequestedBy);
        Assert.Equal(1, await MailsAsync(world.Person(Who.Staff).Email!, bookingId));
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.False(await fixture.App.InScopeAsync<CeremoniesDb, bool>(db => db.Events.AnyAsync(e => e.OrganizerId == world.Person(Who.StaffOfAnotherVenue).Id)));
    }

    [Fact]
    public async Task AnEventInAHallMustUseTheVenuesZoneAndItsBookingMovesWithItAndIsCancelledWhenItIsWithdrawn()
    {
        var world = await World.CreateAsync(fixture);
        var day = world.FreeDay();
        using var organizer = await world.ClientAsync(Who.Organizer);

        using var wrongZone = await organizer.PostAsJsonAsync(new Uri("/api/events", UriKind.Relative), Body(world, day.AddHours(10), "Remembrance", "Europe/Paris"));
        using var created = await organizer.PostAsJsonAsync(new Uri("/api/events", UriKind.Relative), Body(world, day.AddHours(10), "Remembrance"));
        using var view = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = view.RootElement.GetProperty("id").GetGuid();
        var bookingId = view.RootElement.GetProperty("bookingId").GetGuid();
        using var moved = await organizer.PutAsJsonAsync(new Uri($"/api/events/{id}", UriKind.Relative), Body(world, day.AddHours(14), "Remembrance"));
        var afterMove = await BookingAsync(bookingId);
        using var closedHours = await organizer.PutAsJsonAsync(new Uri($"/api/events/{id}", UriKind.Relative), Body(world, day.AddHours(21), "Remembrance"));
        using var withdrawn = await organizer.DeleteAsync(new Uri($"/api/events/{id}", UriKind.Relative));

        await ProblemAssert.NamesAsync(wrongZone, ["timeZone"], "an event in a Baku hall in Paris time");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(day.AddHours(14), afterMove.LocalStart);
        await ProblemAssert.NamesAsync(closedHours, ["start"], "an event after the hall closes");
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        Assert.Equal(BookingState.Cancelled, (await BookingAsync(bookingId)).State);
    }

    private static object Body(World world, DateTime start, string title, string? zone = null) => new
    {
        title, organizerName = "Community association", start = start.ToString("s", CultureInfo.InvariantCulture),
        end = start.AddHours(1).ToString("s", CultureInfo.InvariantCulture), timeZone = zone ?? world.Memorial.TimeZone, address = "Memorial",
        city = "Khojaly", country = "AZ", capacity = 80, contact = "contact@example.test", hallId = world.AssemblyHall.Id,
    };

    private Task<Booking> BookingAsync(Guid id) =>
        fixture.App.InScopeAsync<CeremoniesDb, Booking>(db => db.Bookings.AsNoTracking().SingleAsync(b => b.Id == id));

    private Task<int> MailsAsync(string to, Guid bookingId) =>
        fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Outbox.CountAsync(m => m.Recipient == to && m.IdempotencyKey.StartsWith($"booking:{bookingId}:request-for-staff")));

    // As for any booking: once the venue's staff confirmed the hall, only they move it.
    [Fact]
    public async Task AnOrganizerCannotMoveAHallBookingTheStaffConfirmed()
    {
        var world = await World.CreateAsync(fixture);
        var day = world.FreeDay();
        using var organizer = await world.ClientAsync(Who.Organizer);
        using var created = await organizer.PostAsJsonAsync(new Uri("/api/events", UriKind.Relative), Body(world, day.AddHours(10), "Remembrance"));
        using var view = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = view.RootElement.GetProperty("id").GetGuid();
        var bookingId = view.RootElement.GetProperty("bookingId").GetGuid();
        using var staff = await world.ClientAsync(Who.Staff);
        using var confirmed = await staff.PostAsJsonAsync(new Uri($"/api/bookings/{bookingId}/confirm", UriKind.Relative), new { reason = "Welcome." });

        using var moved = await organizer.PutAsJsonAsync(new Uri($"/api/events/{id}", UriKind.Relative), Body(world, day.AddHours(14), "Remembrance"));

        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, moved.StatusCode);
        var booking = await BookingAsync(bookingId);
        Assert.Equal(BookingState.Confirmed, booking.State);
        Assert.Equal(day.AddHours(10), booking.LocalStart);
    }

    // A move into a taken slot is refused inside the event's locked transaction; the connection
    // and the next writes are unharmed.
    [Fact]
    public async Task MovingAnEventIntoATakenSlotOfItsHallIsRefusedAndLaterWritesSucceed()
    {
        var world = await World.CreateAsync(fixture);
        var day = world.FreeDay();
        using var organizer = await world.ClientAsync(Who.Organizer);
        using var first = await organizer.PostAsJsonAsync(new Uri("/api/events", UriKind.Relative), Body(world, day.AddHours(10), "Remembrance"));
        using var second = await organizer.PostAsJsonAsync(new Uri("/api/events", UriKind.Relative), Body(world, day.AddHours(14), "Concert"));
        using var view = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        var id = view.RootElement.GetProperty("id").GetGuid();

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var moved = await organizer.PutAsJsonAsync(new Uri($"/api/events/{id}", UriKind.Relative), Body(world, day.AddHours(10).AddMinutes(15 * i), "Concert"));
            answers.Add(moved.StatusCode);
        }
        using var later = await organizer.PutAsJsonAsync(new Uri($"/api/events/{id}", UriKind.Relative), Body(world, day.AddHours(16), "Concert"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Conflict, status));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal(day.AddHours(16), (await BookingAsync(view.RootElement.GetProperty("bookingId").GetGuid())).LocalStart);
    }
}
