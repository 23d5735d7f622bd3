using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Events;
using Ceremonies.Features.Subscriptions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Ceremonies.Tests.Features.Subscriptions;

// The subscription API: bad input refused naming the field, the same answer for every address, no
// duplicates, and links that only do what they carry.
[Collection(AppTests.Name)]
public sealed class SubscriptionApiTests(AppFixture fixture)
{
    public static TheoryData<string, string> BadRequests => new()
    {
        { """{ "timeZone": "Mars/Olympus" }""", "timeZone" },
        { """{ "email": "not an address" }""", "email" },
        { """{ "email": " @example.test" }""", "email" },
        { """{ "email": "a b@example.test" }""", "email" },
        { """{ "email": "Aysel <aysel@example.test>" }""", "email" },
        { """{ "email": "a\u0000b@example.test" }""", "email" },
        { $$"""{ "email": "{{new string('a', 320)}}@example.test" }""", "email" },
        { """{ "offsetMinutes": [] }""", "offsetMinutes" },
        { """{ "offsetMinutes": [30] }""", "offsetMinutes" },
        { """{ "offsetMinutes": [60, 60] }""", "offsetMinutes" },
        { """{ "offsetMinutes": "daily" }""", "offsetMinutes" },
        { """{ "language": "de" }""", "language" },
        { """{ "follows": "planet" }""", "follows" },
        { """{ "eventId": null }""", "eventId" },
        { """{ "country": "FR" }""", "country" },
        { """{ "follows": "country", "eventId": null, "country": "XX" }""", "country" },
        { """{ "eventId": "0193a6f0-0000-7000-8000-000000000000" }""", "eventId" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ABadSubscriptionIsRefusedNamingTheFieldAndNothingIsStoredOrMailed(string change, string field)
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        using var client = fixture.App.CreateClient();
        var address = $"bad-{Guid.NewGuid():N}@example.test";
        var body = JsonBodies.Merge(Valid(address, e.Id), change);

        using var response = await client.PostAsync(new Uri("/api/subscriptions", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        await ProblemAssert.NamesAsync(response, [field], change);
        Assert.Equal(0, await StoredAsync(address));
    }

    [Fact]
    public async Task AnEventThatIsNotListedCannotBeFollowedAndMalformedJsonIsRefused()
    {
        var world = await World.CreateAsync(fixture);
        var pending = await world.NewEventAsync(EventState.Submitted);
        using var client = fixture.App.CreateClient();
        var address = $"hidden-{Guid.NewGuid():N}@example.test";

        using var hidden = await client.PostAsJsonAsync(new Uri("/api/subscriptions", UriKind.Relative), JsonDocument.Parse(Valid(address, pending.Id)).RootElement);
        using var malformed = await client.PostAsync(new Uri("/api/subscriptions", UriKind.Relative), new StringContent("{ \"email\": ", Encoding.UTF8, "application/json"));

        await ProblemAssert.NamesAsync(hidden, ["eventId"], "an event waiting for review");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await StoredAsync(address));
    }

    // A new address, one waiting for its confirmation and a confirmed one get the same answer; asking
    // again makes no second subscription and, within the hour, no second mail.
    [Fact]
    public async Task EveryAddressGetsTheSameAnswerAndSubscribingAgainMakesNoDuplicate()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        using var client = fixture.App.CreateClient();
        var address = $"again-{Guid.NewGuid():N}@example.test";

        var answers = new List<(HttpStatusCode, string)>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            answers.Add(await PostAsync(client, Valid(address, e.Id)));
        }
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(client, Valid(address.ToUpperInvariant(), e.Id))));
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Subscriptions.Where(s => s.Email == address)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.State, SubscriptionState.Confirmed)));
        var known = await PostAsync(client, Valid(address, e.Id));
        var fresh = await PostAsync(client, Valid($"fresh-{Guid.NewGuid():N}@example.test", e.Id));

        Assert.All(answers.Concat(concurrent).Append(known).Append(fresh), a => Assert.Equal(answers[0], a));
        Assert.Equal(HttpStatusCode.Accepted, answers[0].Item1);
        Assert.Equal(1, await StoredAsync(address));
        var mails = await fixture.App.InScopeAsync<CeremoniesDb, List<string>>(db =>
            db.Outbox.Where(m => EF.Functions.ILike(m.Recipient, address)).Select(m => m.IdempotencyKey).ToListAsync());
        Assert.Equal(2, mails.Count);
        Assert.Contains(mails, k => k.Contains(":confirm:", StringComparison.Ordinal));
        Assert.Contains(mails, k => k.Contains(":known:", StringComparison.Ordinal));
    }

    // Someone types a stranger's address into the form for one country after another: the stranger
    // gets a few confirmation mails in a day, not one per country.
    [Fact]
    public async Task AnAddressGetsAtMostTheDaysShareOfSubscriptionMailsWhateverItIsAskedToFollow()
    {
        await using var app = fixture.StartAnotherApp(new Dictionary<string, string?> { ["Subscriptions:MailsPerAddressPerDay"] = "3" });
        var address = $"stranger-{Guid.NewGuid():N}@example.test";
        string[] countries = ["FR", "DE", "BE", "AT", "IT"];

        var outcomes = new List<SubscriptionRefusal>();
        foreach (var (country, i) in countries.Select((c, i) => (c, i)))
        {
            var request = new SubscribeRequest(i % 2 == 0 ? address : address.ToUpperInvariant(), "Europe/Paris", Follows.Country, [1440], Country: country);
            outcomes.Add((await app.InScopeAsync<SubscriptionActions, SubscriptionOutcome>(a => a.SubscribeAsync(request, CancellationToken.None))).Refusal);
        }

        Assert.All(outcomes, r => Assert.Equal(SubscriptionRefusal.None, r));
        Assert.Equal(countries.Length, await StoredAsync(address));
        var mails = await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Outbox.CountAsync(m => EF.Functions.ILike(m.Recipient, address)));
        Assert.Equal(3, mails);
    }

    [Fact]
    public async Task AConfirmationLinkExpiresAfterAWeekAndAForgedOneIsNotFound()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAppWithClock(clock);
        using var client = app.CreateClient();
        var address = $"late-{Guid.NewGuid():N}@example.test";
        await PostAsync(client, Valid(address, e.Id));
        var id = await fixture.App.InScopeAsync<CeremoniesDb, Guid>(db => db.Subscriptions.Where(s => s.Email == address).Select(s => s.Id).SingleAsync());
        var token = await app.InScopeAsync<SubscriptionLinks, string>(l => Task.FromResult(l.ConfirmToken(id)));
        var manage = await app.InScopeAsync<SubscriptionLinks, string>(l => Task.FromResult(l.ManageToken(id)));

        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        using var expired = await client.GetAsync(new Uri($"/api/subscriptions/confirm?token={Uri.EscapeDataString(token)}", UriKind.Relative));
        using var forged = await client.GetAsync(new Uri($"/api/subscriptions/confirm?token={Uri.EscapeDataString(token[..^4] + "AAAA")}", UriKind.Relative));
        using var manageAsConfirm = await client.GetAsync(new Uri($"/api/subscriptions/confirm?token={Uri.EscapeDataString(manage)}", UriKind.Relative));
        using var noToken = await client.PostAsync(new Uri("/api/subscriptions/unsubscribe", UriKind.Relative), null);

        await ProblemAssert.NamesAsync(expired, ["token"], "a link a week and a minute old");
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, manageAsConfirm.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noToken.StatusCode);
        Assert.Equal(SubscriptionState.Pending, await fixture.App.InScopeAsync<CeremoniesDb, SubscriptionState>(db =>
            db.Subscriptions.Where(s => s.Id == id).Select(s => s.State).SingleAsync()));
    }

    // Following the observance: an occurrence created later is planned for its confirmed followers.
    [Fact]
    public async Task AnOccurrenceCreatedForAFollowedObservanceGetsItsReminders()
    {
        var world = await World.CreateAsync(fixture);
        var observance = await world.NewObservanceAsync();
        var address = $"observer-{Guid.NewGuid():N}@example.test";
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            var now = DateTimeOffset.UtcNow;
            db.Subscriptions.Add(new Subscription
            {
                Id = Guid.CreateVersion7(), Email = address, TimeZone = "America/Toronto", Language = "fr", Follows = Follows.Observance,
                ObservanceId = observance.Id, OffsetMinutes = [10080, 15], State = SubscriptionState.Confirmed, CreatedAt = now, UpdatedAt = now, ConfirmedAt = now,
            });
            return db.SaveChangesAsync();
        });

        var occurrence = await world.NewOccurrenceForAsync(observance);
        await fixture.App.PlanRemindersAsync();

        var due = await fixture.App.InScopeAsync<CeremoniesDb, List<DateTimeOffset>>(db => db.Outbox
            .Where(m => m.Recipient == address && m.State == OutboxState.Pending).Select(m => m.DueAt).ToListAsync());
        Assert.Equal([occurrence.SilenceAt.AddDays(-7), occurrence.SilenceAt.AddMinutes(-15)], due.Order());
    }

    private static async Task<(HttpStatusCode, string)> PostAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync(new Uri("/api/subscriptions", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private Task<int> StoredAsync(string address) =>
        fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Subscriptions.CountAsync(s => EF.Functions.ILike(s.Email, address)));

    private static string Valid(string address, Guid eventId) => $$"""
        { "email": "{{address}}", "timeZone": "Europe/Paris", "follows": "event", "eventId": "{{eventId}}", "offsetMinutes": [1440, 60], "language": "en" }
        """;
}
