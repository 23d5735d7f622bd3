using System.Net;
using System.Net.Http.Json;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Venues;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Bookings;

// The service mails only addresses that asked for mail: an account's confirmed address and the
// venue's staff. An address typed into a form (a booking's contact) is never a recipient, so the
// service cannot be used to send its mail to a stranger.
[Collection(AppTests.Name)]
public sealed class BookingMailTests(AppFixture fixture)
{
    [Fact]
    public async Task AContactTypedIntoARequestIsNeverMailedWhateverHappensToTheBooking()
    {
        var world = await World.CreateAsync(fixture);
        using var organizer = await world.ClientAsync(Who.Organizer);
        using var staff = await world.ClientAsync(Who.Staff);
        var stranger = $"stranger-{Guid.NewGuid():N}@example.test";
        var day = world.FreeDay();

        using var asked = await organizer.PostAsJsonAsync(BookingTests.Book(world),
            BookingTests.Booking("Community gathering", day.AddHours(10), day.AddHours(11), contact: stranger));
        var booking = (await asked.Content.ReadFromJsonAsync<BookingView>(BookingTests.Json))!; // 201, asserted below
        using var changed = await staff.PatchAsJsonAsync(new Uri($"/api/bookings/{booking.Id}", UriKind.Relative), new { attendees = 30 });
        using var confirmed = await staff.PostAsJsonAsync(new Uri($"/api/bookings/{booking.Id}/confirm", UriKind.Relative), new { reason = "Welcome." });
        using var cancelled = await organizer.PostAsJsonAsync(new Uri($"/api/bookings/{booking.Id}/cancel", UriKind.Relative), new { reason = "Plans changed." });
        var mails = await MailsAsync(booking.Id);

        Assert.Equal(HttpStatusCode.Created, asked.StatusCode);
        Assert.Equal(stranger, booking.Contact); // kept, for the staff to see
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], [changed.StatusCode, confirmed.StatusCode, cancelled.StatusCode]);
        Assert.DoesNotContain(mails, m => m.Recipient == stranger);
        var asker = world.Person(Who.Organizer).Email;
        Assert.Equal(["Booking cancelled: Community gathering", "Booking changed: Community gathering", "Booking confirmed: Community gathering", "Request received: Community gathering"],
            mails.Where(m => m.Recipient == asker).Select(m => m.Subject).Order());
        Assert.Equal([world.Person(Who.Manager).Email, world.Person(Who.Staff).Email],
            mails.Where(m => m.Subject.StartsWith("New request", StringComparison.Ordinal)).Select(m => m.Recipient).Order());
    }

    [Fact]
    public async Task StaffWhoBookOutrightAreToldAtTheirOwnAddressNotTheContact()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        var stranger = $"stranger-{Guid.NewGuid():N}@example.test";
        var day = world.FreeDay();

        using var booked = await staff.PostAsJsonAsync(BookingTests.Book(world),
            BookingTests.Booking("Official visit", day.AddHours(10), day.AddHours(11), contact: stranger));
        var booking = (await booked.Content.ReadFromJsonAsync<BookingView>(BookingTests.Json))!; // 201, asserted below

        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var mail = Assert.Single(await MailsAsync(booking.Id));
        Assert.Equal((world.Person(Who.Staff).Email, "Booking confirmed: Official visit"), (mail.Recipient, mail.Subject));
    }

    [Fact]
    public async Task AnAccountWhoseAddressIsUnconfirmedGetsNoMailWhenAddedToAVenue()
    {
        var world = await World.CreateAsync(fixture);
        using var manager = await world.ClientAsync(Who.Manager);
        var address = $"unconfirmed-{Guid.NewGuid():N}@example.test";
        var person = new IdentityUser<Guid> { Id = Guid.CreateVersion7(), UserName = address, Email = address };
        await fixture.App.InScopeAsync<UserManager<IdentityUser<Guid>>, IdentityResult>(users => users.CreateAsync(person, World.Password));

        using var added = await manager.PostAsJsonAsync(new Uri($"/api/venues/{world.Memorial.Id}/staff", UriKind.Relative), new { email = address, role = "staff" });

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.False(await fixture.App.InScopeAsync<CeremoniesDb, bool>(db => db.Outbox.AnyAsync(m => m.Recipient == address)));
        Assert.True(await fixture.App.InScopeAsync<CeremoniesDb, bool>(db => db.VenueMemberships.AnyAsync(m => m.VenueId == world.Memorial.Id && m.UserId == person.Id)));
    }

    private Task<List<OutboxMessage>> MailsAsync(Guid bookingId)
    {
        var key = $"booking:{bookingId}:";
        return fixture.App.InScopeAsync<CeremoniesDb, List<OutboxMessage>>(db =>
            db.Outbox.AsNoTracking().Where(m => m.IdempotencyKey.StartsWith(key)).ToListAsync());
    }
}
