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

    private Task<Dictionary<RegistrationState, int>> StatesAsync(Guid eventId) => fixture.App.InScopeAsync<CeremoniesDb, Dictionary<RegistrationState, int>>(db =>
        db.EventRegistrations.Where(r => r.EventId == eventId).GroupBy(r => r.State).ToDictionaryAsync(g => g.Key, g => g.Count()));
}
