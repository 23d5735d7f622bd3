using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Bookings;

[Collection(AppTests.Name)]
public sealed class BookingTests(AppFixture fixture)
{
    [Fact]
    public async Task FiftyClientsRacingForOneSlotGiveOneBookingAndFortyNineConflicts()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        var day = world.FreeDay();

        var contact = $"race-{Guid.NewGuid():N}@example.test";

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            staff.PostAsJsonAsync(Book(world), Booking($"Race {i}", day.AddHours(10), day.AddHours(11), contact: contact))));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var live = Assert.Single(await LiveBookingsAsync(world.AssemblyHall.Id, day));
        // The refused 49 left nothing behind: one mail and one audit entry, those of the booking made.
        var staffAddress = world.Person(Who.Staff).Email;
        Assert.Equal(1, await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Outbox.CountAsync(m => m.Recipient == staffAddress)));
        Assert.Equal(1, await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.AuditLog.CountAsync(a => a.EntityType == "booking" && a.EntityId == live.Id.ToString())));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task FiftyClientsBookingFiftyDistinctSlotsAllSucceed()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        var days = Enumerable.Range(0, 50).Select(_ => world.FreeDay()).ToList();

        var responses = await Task.WhenAll(days.Select((day, i) =>
            staff.PostAsJsonAsync(Book(world), Booking($"Slot {i}", day.AddHours(10), day.AddHours(11)))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task TheTeardownBufferBlocksABookingThatStartsInsideIt()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        var day = world.FreeDay();

        using var first = await staff.PostAsJsonAsync(Book(world), Booking("Morning ceremony", day.AddHours(10), day.AddHours(12)));
        using var tooSoon = await staff.PostAsJsonAsync(Book(world), Booking("Lecture", day.AddHours(12).AddMinutes(15), day.AddHours(13)));
        using var afterBuffers = await staff.PostAsJsonAsync(Book(world), Booking("Lecture", day.AddHours(13), day.AddHours(14)));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, tooSoon.StatusCode);
        using var conflict = JsonDocument.Parse(await tooSoon.Content.ReadAsStringAsync());
        var inTheWay = conflict.RootElement.GetProperty("conflicts")[0];
        Assert.Equal("Morning ceremony", inTheWay.GetProperty("title").GetString());
        Assert.Contains("booked for \u201cMorning ceremony\u201d", conflict.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // 30 minutes of teardown after 12:00 and 30 of setup before the next start: 13:00 is the first fit.
        Assert.Equal(day.AddHours(13), conflict.RootElement.GetProperty("nextFreeSlot").GetProperty("start").GetProperty("local").GetDateTime());
        Assert.Equal(HttpStatusCode.Created, afterBuffers.StatusCode);
    }

    [Fact]
    public async Task AnOrganizerSeesOnlyThatTheSlotIsBusyNotWhoBookedIt()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        using var organizer = await world.ClientAsync(Who.Organizer);
        var day = world.FreeDay();
        using var booked = await staff.PostAsJsonAsync(Book(world), Booking("Closed meeting", day.AddHours(10), day.AddHours(12)));

        using var refused = await organizer.PostAsJsonAsync(Book(world), Booking("Community gathering", day.AddHours(11), day.AddHours(12)));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var text = await refused.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Closed meeting", text, StringComparison.Ordinal);
        Assert.Contains("is busy from", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2027, 3, 28, "2027-03-28T07:00:00+00:00")]
    [InlineData(2027, 10, 31, "2027-10-31T08:00:00+00:00")]
    public async Task AParisHallOpenNineToSixTakesNineToTenOnTheSundaysTheClocksChange(int year, int month, int day, string utcStart)
    {
        var world = await World.CreateAsync(fixture);
        var hall = await NewParisHallAsync(world);
        using var admin = await world.ClientAsync(Who.Admin);
        var date = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified);
        Assert.Equal(DayOfWeek.Sunday, date.DayOfWeek);

        using var response = await admin.PostAsJsonAsync(new Uri($"/api/halls/{hall.Id}/bookings", UriKind.Relative),
            Booking("Commemoration evening", date.AddHours(9), date.AddHours(10)));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var view = JsonSerializer.Deserialize<BookingView>(text, Json)!;
        Assert.Equal(DateTimeOffset.Parse(utcStart, System.Globalization.CultureInfo.InvariantCulture), view.Start.Instant);
        Assert.Equal(date.AddHours(9), view.Start.Local);
        Assert.Equal("Europe/Paris", view.Start.TimeZone);
        var stored = await fixture.App.InScopeAsync<CeremoniesDb, Booking>(db => db.Bookings.AsNoTracking().SingleAsync(b => b.Id == view.Id));
        Assert.Equal(view.Start.Instant, stored.StartsAt);
        Assert.Equal(TimeSpan.FromHours(1), stored.EndsAt - stored.StartsAt);
    }

    [Fact]
    public async Task ALocalTimeTheClocksSkipIsRefusedNamingTheField()
    {
        var world = await World.CreateAsync(fixture);
        var hall = await NewParisHallAsync(world, opens: new TimeOnly(0, 0), closes: new TimeOnly(23, 59));
        using var admin = await world.ClientAsync(Who.Admin);
        var date = new DateTime(2027, 3, 28, 0, 0, 0, DateTimeKind.Unspecified);

        using var response = await admin.PostAsJsonAsync(new Uri($"/api/halls/{hall.Id}/bookings", UriKind.Relative),
            Booking("Night vigil", date.AddHours(2).AddMinutes(30), date.AddHours(4)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("does not exist in Europe/Paris", body.RootElement.GetProperty("errors").GetProperty("start")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRulesOfTheHallAreExplainedFieldByField()
    {
        var world = await World.CreateAsync(fixture);
        using var organizer = await world.ClientAsync(Who.Organizer);
        var day = world.FreeDay();
        var past = DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(-2).AddHours(10), DateTimeKind.Unspecified);
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
            db.Halls.Where(h => h.Id == world.AssemblyHall.Id).ExecuteUpdateAsync(s => s.SetProperty(h => h.MaxLengthMinutes, 180)));

        var cases = new (object Body, string Field, string Words)[]
        {
            (Booking("Too many", day.AddHours(10), day.AddHours(11), attendees: 301), "attendees", "holds at most 300"),
            (Booking("Backwards", day.AddHours(11), day.AddHours(10)), "end", "after the start"),
            (Booking("Yesterday", past, past.AddHours(1)), "start", "already passed"),
            (Booking("Night", day.AddHours(21), day.AddHours(22)), "start", "not open"),
            (Booking("Marathon", day.AddHours(9), day.AddHours(13)), "end", "at most 3 hour(s)"),
            (new { title = "With offset", kind = "visit", attendees = 5, contact = "a@example.test", start = "2030-01-07T10:00:00+02:00", end = "2030-01-07T11:00:00+02:00" }, "start", "without an offset"),
            (new { title = "", kind = "dance", attendees = 0, contact = "nobody" }, "kind", ""),
            (new { title = "Numbered", kind = 9, attendees = 5, contact = "a@example.test", start = day.AddHours(10), end = day.AddHours(11) }, "kind", ""),
            (new { title = "Numbered", kind = 2, attendees = 5, contact = "a@example.test", start = day.AddHours(10), end = day.AddHours(11) }, "kind", ""),
        };
        foreach (var (body, field, words) in cases)
        {
            using var response = await organizer.PostAsJsonAsync(Book(world), body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
            using var problem = JsonDocument.Parse(text);
            var errors = problem.RootElement.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), text);
            Assert.Contains(words, messages[0].GetString(), StringComparison.Ordinal);
        }
        Assert.Empty(await LiveBookingsAsync(world.AssemblyHall.Id, day));
    }

    [Fact]
    public async Task ARequestHoldsItsSlotUntilStaffDecideAndTheRequesterHearsOfIt()
    {
        var world = await World.CreateAsync(fixture);
        using var organizer = await world.ClientAsync(Who.Organizer);
        using var staff = await world.ClientAsync(Who.Staff);
        var day = world.FreeDay();

        using var asked = await organizer.PostAsJsonAsync(Book(world), Booking("Community commemoration", day.AddHours(15), day.AddHours(17), contact: world.Person(Who.Organizer).Email));
        var request = (await asked.Content.ReadFromJsonAsync<BookingView>(Json))!;
        using var blocked = await staff.PostAsJsonAsync(Book(world), Booking("Staff meeting", day.AddHours(16), day.AddHours(17)));
        using var selfConfirm = await organizer.PostAsJsonAsync(new Uri($"/api/bookings/{request.Id}/confirm", UriKind.Relative), new { });
        var waiting = await staff.GetFromJsonAsync<List<BookingView>>(new Uri("/api/bookings/requests", UriKind.Relative), Json);
        using var confirmed = await staff.PostAsJsonAsync(new Uri($"/api/bookings/{request.Id}/confirm", UriKind.Relative), new { reason = "The hall is yours." });
        using var again = await staff.PostAsJsonAsync(new Uri($"/api/bookings/{request.Id}/decline", UriKind.Relative), new { });
        var mine = await organizer.GetFromJsonAsync<List<BookingView>>(new Uri("/api/bookings/mine", UriKind.Relative), Json);
        await fixture.DispatchOutboxAsync();
        var mails = await fixture.MailDev.WaitForAsync(world.Person(Who.Organizer).Email!, count: 2);

        Assert.Equal(BookingState.Requested, request.State);
        Assert.NotNull(request.ExpiresAt);
        Assert.Equal(HttpStatusCode.Conflict, blocked.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, selfConfirm.StatusCode);
        Assert.Contains(waiting!, b => b.Id == request.Id);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(BookingState.Confirmed, Assert.Single(mine!, b => b.Id == request.Id).State);
        Assert.Contains(mails, m => m.Subject == "Request received: Community commemoration");
        var confirmation = Assert.Single(mails, m => m.Subject == "Booking confirmed: Community commemoration");
        Assert.Contains("(Asia/Baku)", confirmation.Text, StringComparison.Ordinal);
        Assert.Contains("The hall is yours.", confirmation.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredRequestFreesItsSlot()
    {
        var world = await World.CreateAsync(fixture);
        var request = await world.NewRequestAsync();
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
            db.Bookings.Where(b => b.Id == request.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1))));
        using var staff = await world.ClientAsync(Who.Staff);

        using var response = await staff.PostAsJsonAsync(Book(world), Booking("Official visit", request.LocalStart, request.LocalEnd));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var expired = await fixture.App.InScopeAsync<CeremoniesDb, Booking>(db => db.Bookings.AsNoTracking().SingleAsync(b => b.Id == request.Id));
        Assert.Equal(BookingState.Expired, expired.State);
    }

    [Fact]
    public async Task ASeriesIsAllOrNothingAndAConflictListsEveryDateInTheWay()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        var start = world.FreeDay();
        for (var i = 0; i < 6; i++)
        {
            world.FreeDay();
        }
        using var blocker1 = await staff.PostAsJsonAsync(Book(world), Booking("Exhibition opening", start.AddDays(2).AddHours(10), start.AddDays(2).AddHours(11)));
        using var blocker2 = await staff.PostAsJsonAsync(Book(world), Booking("Press visit", start.AddDays(4).AddHours(10), start.AddDays(4).AddHours(11)));
        var repeat = new { frequency = "daily", count = 5 };

        using var refused = await staff.PostAsJsonAsync(Book(world), Booking("Daily rehearsal", start.AddHours(10), start.AddHours(11), repeat: repeat));
        var text = await refused.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(text);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(2, problem.RootElement.GetProperty("conflicts").GetArrayLength());
        Assert.Contains("2 date(s) of this series are taken", text, StringComparison.Ordinal);
        Assert.DoesNotContain(await LiveBookingsAsync(world.AssemblyHall.Id, start), b => b.Title == "Daily rehearsal");

        using var fits = await staff.PostAsJsonAsync(Book(world), Booking("Evening rehearsal", start.AddHours(14), start.AddHours(15), repeat: repeat));
        var series = await fits.Content.ReadFromJsonAsync<List<BookingView>>(Json);
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
        Assert.Equal(5, series!.Count);
        Assert.Single(series.Select(b => b.SeriesId).Distinct());
    }

    [Fact]
    public async Task ARequestedSeriesLeavesAnAuditEntryPerDateAndOneMailToTheAskerAndOneToTheVenue()
    {
        var world = await World.CreateAsync(fixture);
        using var organizer = await world.ClientAsync(Who.Organizer);
        var asker = world.Person(Who.Organizer);
        var start = world.FreeDay();
        for (var i = 0; i < 3; i++)
        {
            world.FreeDay();
        }

        using var asked = await organizer.PostAsJsonAsync(Book(world),
            Booking("Community vigil", start.AddHours(15), start.AddHours(16), contact: asker.Email, repeat: new { frequency = "daily", count = 3 }));
        var series = (await asked.Content.ReadFromJsonAsync<List<BookingView>>(Json))!; // 201 with the list, asserted below
        var ids = series.Select(b => b.Id.ToString()).ToList();
        var audit = await fixture.App.InScopeAsync<CeremoniesDb, List<AuditEntry>>(db =>
            db.AuditLog.AsNoTracking().Where(a => a.EntityType == "booking" && ids.Contains(a.EntityId)).ToListAsync());
        var key = $"booking:{series[0].Id}:";
        var mails = await fixture.App.InScopeAsync<CeremoniesDb, List<OutboxMessage>>(db =>
            db.Outbox.AsNoTracking().Where(m => m.IdempotencyKey.StartsWith(key)).ToListAsync());

        Assert.Equal(HttpStatusCode.Created, asked.StatusCode);
        Assert.Equal(3, series.Count);
        Assert.All(series, b => Assert.Equal(BookingState.Requested, b.State));
        Assert.Equal(ids.Order(), audit.Select(a => a.EntityId).Order());
        Assert.All(audit, a => Assert.Equal(("booking.requested", asker.Id), (a.Action, a.ActorId)));
        // The asker, and each of the venue's staff and managers at their own accounts' addresses.
        Assert.Equal(3, mails.Count);
        var toAsker = Assert.Single(mails, m => m.Recipient == asker.Email);
        Assert.Equal("Request received: Community vigil", toAsker.Subject);
        Assert.Equal([world.Person(Who.Manager).Email, world.Person(Who.Staff).Email],
            mails.Where(m => m.Subject == $"New request for {world.AssemblyHall.Name}: Community vigil").Select(m => m.Recipient).Order());
        Assert.All(mails, m => Assert.Contains("first of 3 dates", m.BodyText, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABlackoutOverLiveBookingsIsRefusedWithTheListAndABookingInABlackoutIsRefused()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        var day = world.FreeDay();
        using var booked = await staff.PostAsJsonAsync(Book(world), Booking("Memorial lecture", day.AddHours(10), day.AddHours(11)));

        using var refused = await staff.PostAsJsonAsync(new Uri($"/api/halls/{world.AssemblyHall.Id}/blackouts", UriKind.Relative),
            new { start = day, end = day.AddDays(1), reason = "Kept for the official ceremony" });
        var nextDay = world.FreeDay();
        using var closed = await staff.PostAsJsonAsync(new Uri($"/api/halls/{world.AssemblyHall.Id}/blackouts", UriKind.Relative),
            new { start = nextDay, end = nextDay.AddDays(1), reason = "Kept for the official ceremony" });
        using var intoBlackout = await staff.PostAsJsonAsync(Book(world), Booking("Rehearsal", nextDay.AddHours(10), nextDay.AddHours(11)));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("Memorial lecture", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, closed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, intoBlackout.StatusCode);
        Assert.Contains("Kept for the official ceremony", await intoBlackout.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RescheduleHonoursIfMatchAndRefusesAnOccupiedTime()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        var day = world.FreeDay();
        using var first = await staff.PostAsJsonAsync(Book(world), Booking("Ceremony", day.AddHours(10), day.AddHours(11)));
        using var second = await staff.PostAsJsonAsync(Book(world), Booking("Visit", day.AddHours(14), day.AddHours(15)));
        var visit = (await second.Content.ReadFromJsonAsync<BookingView>(Json))!;
        using var read = await staff.GetAsync(new Uri($"/api/bookings/{visit.Id}", UriKind.Relative));
        var etag = read.Headers.ETag!.ToString();

        using var moved = await Patch(staff, visit.Id, etag, new { start = day.AddHours(16), end = day.AddHours(17) });
        using var stale = await Patch(staff, visit.Id, etag, new { title = "Visit of a delegation" });
        using var onto = await Patch(staff, visit.Id, moved.Headers.ETag!.ToString(), new { start = day.AddHours(10).AddMinutes(30), end = day.AddHours(11).AddMinutes(30) });

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var view = (await moved.Content.ReadFromJsonAsync<BookingView>(Json))!;
        Assert.Equal(day.AddHours(16), view.Start.Local);
        Assert.Equal(1, view.Sequence);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, onto.StatusCode);
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    internal static Uri Book(World world) => new($"/api/halls/{world.AssemblyHall.Id}/bookings", UriKind.Relative);

    internal static object Booking(string title, DateTime start, DateTime end, int attendees = 40, string? contact = null, object? repeat = null) => new
    {
        title,
        kind = "commemorationCeremony",
        attendees,
        contact = contact ?? "contact@example.test",
        start = start.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        end = end.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        repeat,
    };

    private static async Task<HttpResponseMessage> Patch(HttpClient client, Guid id, string etag, object change)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/bookings/{id}", UriKind.Relative)) { Content = JsonContent.Create(change) };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return await client.SendAsync(request);
    }

    private Task<List<Booking>> LiveBookingsAsync(Guid hallId, DateTime day) => fixture.App.InScopeAsync<CeremoniesDb, List<Booking>>(db =>
        db.Bookings.AsNoTracking()
            .Where(b => b.HallId == hallId && (b.State == BookingState.Requested || b.State == BookingState.Confirmed) && b.LocalStart >= day && b.LocalStart < day.AddDays(10))
            .ToListAsync());

    private async Task<Hall> NewParisHallAsync(World world, TimeOnly? opens = null, TimeOnly? closes = null)
    {
        var now = DateTimeOffset.UtcNow;
        var hall = new Hall
        {
            Id = Guid.CreateVersion7(), VenueId = world.Paris.Id, Name = "Main hall", Capacity = 80, SetupMinutes = 15, TeardownMinutes = 15,
            OpeningHours = [.. Enum.GetValues<DayOfWeek>().Select(d => new OpeningHours(d, opens ?? new TimeOnly(9, 0), closes ?? new TimeOnly(18, 0)))],
            CreatedAt = now, UpdatedAt = now,
        };
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Halls.Add(hall);
            return db.SaveChangesAsync();
        });
        return hall;
    }
}
