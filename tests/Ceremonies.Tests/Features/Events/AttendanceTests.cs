using System.Net;
using System.Net.Http.Json;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Events;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Events;

// Seats, the waitlist and offers of freed seats, through the API, against the real database.
[Collection(AppTests.Name)]
public sealed class AttendanceTests(AppFixture fixture)
{
    [Fact]
    public async Task FortyPeopleConfirmingAtOnceForTenSeatsGetTenSeatsAndThirtyPlacesInLineAndNoServerError()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, capacity: 10);
        using var client = fixture.App.CreateClient();
        var addresses = Enumerable.Range(0, 40).Select(i => $"guest{i}-{Guid.NewGuid():N}@example.test").ToList();

        var registered = await Task.WhenAll(addresses.Select(async address =>
        {
            using var response = await client.PostAsJsonAsync(new Uri($"/api/events/{e.Id}/registrations", UriKind.Relative), new { name = "Guest", email = address });
            return response.StatusCode;
        }));
        var tokens = await TokensAsync(e.Id);
        var confirmed = await Task.WhenAll(tokens.Select(async token =>
        {
            using var response = await client.PostAsJsonAsync(new Uri("/api/registrations/confirm", UriKind.Relative), new { token });
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }));

        Assert.All(registered, status => Assert.Equal(HttpStatusCode.Accepted, status));
        Assert.Equal(40, tokens.Count);
        Assert.All(confirmed, c => Assert.True(c.StatusCode == HttpStatusCode.OK, $"{(int)c.StatusCode}: {c.Item2}"));
        var states = await StatesAsync(e.Id);
        Assert.Equal(10, states.GetValueOrDefault(RegistrationState.Seated));
        Assert.Equal(30, states.GetValueOrDefault(RegistrationState.Waitlisted));
    }

    // End to end through real SMTP: the mailed link's token confirms the address and seats the person.
    [Fact]
    public async Task ThePersonWhoRegistersConfirmsByTheMailedLinkAndIsToldTheyHaveASeat()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, capacity: 5);
        var address = $"guest-{Guid.NewGuid():N}@example.test";
        using var client = fixture.App.CreateClient();

        using var registered = await client.PostAsJsonAsync(new Uri($"/api/events/{e.Id}/registrations", UriKind.Relative), new { name = "Leyla", email = address });
        await fixture.DispatchOutboxAsync();
        var confirm = Assert.Single(await fixture.MailDev.WaitForAsync(address));
        var token = Token(confirm.Text ?? "");
        using var shown = await client.GetAsync(new Uri($"/api/registrations?token={Uri.EscapeDataString(token)}", UriKind.Relative));
        using var confirmed = await client.PostAsJsonAsync(new Uri("/api/registrations/confirm", UriKind.Relative), new { token });
        await fixture.DispatchOutboxAsync();
        var mails = await fixture.MailDev.WaitForAsync(address, count: 2);

        Assert.Equal(HttpStatusCode.Accepted, registered.StatusCode);
        Assert.Equal($"Confirm your registration: {e.Title}", confirm.Subject);
        Assert.Contains("(Europe/Paris)", confirm.Text, StringComparison.Ordinal);
        using (var pending = System.Text.Json.JsonDocument.Parse(await shown.Content.ReadAsStringAsync()))
        {
            Assert.Equal("pending", pending.RootElement.GetProperty("state").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains(mails, m => m.Subject == $"You have a seat: {e.Title}");
        Assert.Equal(RegistrationState.Seated, Assert.Single(await StatesByIdAsync(e.Id)).Value);
    }

    // A seat given up goes to the first person waiting, as an offer; one that lapses passes on.
    [Fact]
    public async Task AFreedSeatIsOfferedToTheFirstInLineAndALapsedOfferPassesToTheNext()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, capacity: 2);
        var (_, seatedToken) = await world.NewRegistrationAsync(e);
        await world.NewRegistrationAsync(e);
        var (first, _) = await world.NewRegistrationAsync(e, RegistrationState.Waitlisted);
        var (second, secondToken) = await world.NewRegistrationAsync(e, RegistrationState.Waitlisted);
        var (third, _) = await world.NewRegistrationAsync(e, RegistrationState.Waitlisted);
        using var client = fixture.App.CreateClient();

        using var cancelled = await client.PostAsJsonAsync(new Uri("/api/registrations/cancel", UriKind.Relative), new { token = seatedToken });

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var states = await StatesByIdAsync(e.Id);
        Assert.Equal(RegistrationState.Offered, states[first.Id]);
        Assert.Equal(RegistrationState.Waitlisted, states[second.Id]);
        Assert.Equal(1, states.Values.Count(s => s == RegistrationState.Offered));
        Assert.Single(await MailsAsync(first.Email, "A seat is free for you"));

        // The offer's time runs out; the recurring job passes the seat on.
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.EventRegistrations.Where(r => r.Id == first.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.OfferExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1))));
        await fixture.App.InScopeAsync<EventAttendance, int>(a => a.RunAsync(CancellationToken.None));

        states = await StatesByIdAsync(e.Id);
        Assert.Equal(RegistrationState.Lapsed, states[first.Id]);
        Assert.Equal(RegistrationState.Offered, states[second.Id]);
        Assert.Equal(RegistrationState.Waitlisted, states[third.Id]);
        Assert.Single(await MailsAsync(first.Email, "The seat offered to you has passed on"));

        using var accepted = await client.PostAsJsonAsync(new Uri("/api/registrations/accept", UriKind.Relative), new { token = secondToken });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        states = await StatesByIdAsync(e.Id);
        Assert.Equal(2, states.Values.Count(s => s == RegistrationState.Seated));
        Assert.Equal(RegistrationState.Waitlisted, states[third.Id]);
    }

    [Fact]
    public async Task AnOfferTakenAfterItLapsedIsRefusedAndTheSeatGoesOn()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, capacity: 1);
        var (offered, token) = await world.NewRegistrationAsync(e, RegistrationState.Offered);
        var (waiting, _) = await world.NewRegistrationAsync(e, RegistrationState.Waitlisted);
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.EventRegistrations.Where(r => r.Id == offered.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.OfferExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1))));
        using var client = fixture.App.CreateClient();

        using var late = await client.PostAsJsonAsync(new Uri("/api/registrations/accept", UriKind.Relative), new { token });
        await fixture.App.InScopeAsync<EventAttendance, int>(a => a.RunAsync(CancellationToken.None));

        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        var states = await StatesByIdAsync(e.Id);
        Assert.Equal(RegistrationState.Lapsed, states[offered.Id]);
        Assert.Equal(RegistrationState.Offered, states[waiting.Id]);
    }

    // Nobody learns from the answer whether an address registered; a second registration of it
    // sends its link again and makes no second registration.
    [Fact]
    public async Task RegisteringTheSameAddressTwiceKeepsOneRegistrationAndBadInputNamesTheField()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var unlisted = await world.NewEventAsync(EventState.Submitted);
        using var client = fixture.App.CreateClient();
        var address = $"guest-{Guid.NewGuid():N}@example.test";

        using var first = await client.PostAsJsonAsync(new Uri($"/api/events/{e.Id}/registrations", UriKind.Relative), new { name = "Guest", email = address });
        using var second = await client.PostAsJsonAsync(new Uri($"/api/events/{e.Id}/registrations", UriKind.Relative), new { name = "Guest", email = address.ToUpperInvariant() });
        using var bad = await client.PostAsJsonAsync(new Uri($"/api/events/{e.Id}/registrations", UriKind.Relative), new { name = "", email = "not an address" });
        using var hidden = await client.PostAsJsonAsync(new Uri($"/api/events/{unlisted.Id}/registrations", UriKind.Relative), new { name = "Guest", email = address });
        using var forged = await client.PostAsJsonAsync(new Uri("/api/registrations/confirm", UriKind.Relative), new { token = "CfDJ8forged" });

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        await ProblemAssert.NamesAsync(bad, ["name", "email"], "an empty name and a bad address");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.Single(await StatesByIdAsync(e.Id));
        Assert.Equal(2, (await MailsAsync(address, "Confirm your registration")).Count);
        Assert.Empty(await StatesByIdAsync(unlisted.Id));
    }

    // A name and address given by someone who never confirmed them are not kept.
    [Fact]
    public async Task ARegistrationNeverConfirmedIsDeletedAfterAWeekAndAConfirmedOneIsKept()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var (old, oldToken) = await world.NewRegistrationAsync(e, RegistrationState.Pending);
        var (recent, _) = await world.NewRegistrationAsync(e, RegistrationState.Pending);
        var (seated, _) = await world.NewRegistrationAsync(e);
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.EventRegistrations.Where(r => r.Id == old.Id || r.Id == seated.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.UpdatedAt, DateTimeOffset.UtcNow.AddDays(-8))));

        await fixture.App.InScopeAsync<EventAttendance, int>(a => a.PruneUnconfirmedAsync(CancellationToken.None));
        using var client = fixture.App.CreateClient();
        using var late = await client.PostAsJsonAsync(new Uri("/api/registrations/confirm", UriKind.Relative), new { token = oldToken });

        var states = await StatesByIdAsync(e.Id);
        Assert.False(states.ContainsKey(old.Id));
        Assert.Equal(RegistrationState.Pending, states[recent.Id]);
        Assert.Equal(RegistrationState.Seated, states[seated.Id]);
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
    }

    // The organizer's list of who comes, as CSV; a cell a spreadsheet would run as a formula is text.
    [Fact]
    public async Task TheOrganizerExportsTheAttendeesAsCsvWithFormulasDefused()
    {
        var world = await World.CreateAsync(fixture);
        var organizer = await world.NewPersonAsync("organizer");
        var e = await world.NewEventAsync(EventState.Approved, organizer);
        var (seated, _) = await world.NewRegistrationAsync(e);
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.EventRegistrations.Where(r => r.Id == seated.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Name, "=HYPERLINK(\"http://127.0.0.1/\",\"x\")")));
        using var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await World.TokenAsync(client, organizer.Email!));

        using var response = await client.GetAsync(new Uri($"/api/events/{e.Id}/registrations.csv", UriKind.Relative));
        var csv = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("name,email,state,queued_at,offer_expires_at,registered_at", lines[0]);
        Assert.StartsWith("\"'=HYPERLINK(", lines[1], StringComparison.Ordinal);
        Assert.Contains($",{seated.Email},seated,", lines[1], StringComparison.Ordinal);
    }

    // The tokens of the confirmation links mailed for the event, read from the outbox.
    private Task<List<string>> TokensAsync(Guid eventId) => fixture.App.InScopeAsync<CeremoniesDb, List<string>>(async db =>
    {
        var ids = await db.EventRegistrations.Where(r => r.EventId == eventId).Select(r => r.Id.ToString()).ToListAsync();
        var keys = ids.Select(id => $"registration:{id}:confirm:").ToList();
        var bodies = await db.Outbox.Where(m => m.IdempotencyKey.StartsWith("registration:") && m.Subject.StartsWith("Confirm your registration"))
            .Select(m => new { m.IdempotencyKey, m.BodyText }).ToListAsync();
        return [.. bodies.Where(b => keys.Any(k => b.IdempotencyKey.StartsWith(k, StringComparison.Ordinal))).Select(b => Token(b.BodyText))];
    });

    private static string Token(string body)
    {
        var start = body.IndexOf("token=", StringComparison.Ordinal) + "token=".Length;
        var end = body.IndexOfAny([' ', '\n', '\r'], start);
        return Uri.UnescapeDataString(body[start..(end < 0 ? body.Length : end)]);
    }

    private Task<Dictionary<Guid, RegistrationState>> StatesByIdAsync(Guid eventId) => fixture.App.InScopeAsync<CeremoniesDb, Dictionary<Guid, RegistrationState>>(db =>
        db.EventRegistrations.Where(r => r.EventId == eventId).ToDictionaryAsync(r => r.Id, r => r.State));

    private Task<List<string>> MailsAsync(string to, string subject) => fixture.App.InScopeAsync<CeremoniesDb, List<string>>(db =>
        db.Outbox.Where(m => m.Recipient == to && m.Subject.StartsWith(subject)).Select(m => m.BodyText).ToListAsync());

    private Task<Dictionary<RegistrationState, int>> StatesAsync(Guid eventId) => fixture.App.InScopeAsync<CeremoniesDb, Dictionary<RegistrationState, int>>(db =>
        db.EventRegistrations.Where(r => r.EventId == eventId).GroupBy(r => r.State).ToDictionaryAsync(g => g.Key, g => g.Count()));
}
