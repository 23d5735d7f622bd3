using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Events;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Reminders;
using Ceremonies.Features.Subscriptions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Ceremonies.Tests.Features.Subscriptions;

// Who is reminded of what: the followers of a country, of a venue and of one event, each moment
// once per address and offset; and how long addresses are kept.
[Collection(AppTests.Name)]
public sealed class PlanningTests(AppFixture fixture)
{
    [Fact]
    public async Task ACountrysFollowersAreRemindedOfItsEventsAndNotOfAnotherCountrys()
    {
        var world = await World.CreateAsync(fixture);
        var country = await FollowerAsync(Follows.Country, country: "BE");

        var inBelgium = await world.NewEventAsync(EventState.Approved, city: "Brussels", country: "BE", zone: "Europe/Brussels");
        var inGermany = await world.NewEventAsync(EventState.Approved, city: "Berlin", country: "DE", zone: "Europe/Berlin");
        var pending = await world.NewEventAsync(EventState.Submitted, city: "Liège", country: "BE", zone: "Europe/Brussels");
        await PlanAsync();

        var deadlines = await PendingAsync(country);
        Assert.Contains(inBelgium.StartsAt, deadlines);
        Assert.DoesNotContain(inGermany.StartsAt, deadlines);
        Assert.DoesNotContain(pending.StartsAt, deadlines);
    }

    // Following an event and its country: one reminder per offset, not two.
    [Fact]
    public async Task AnAddressFollowingAnEventTwiceOverGetsEachReminderOnce()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, city: "Vienna", country: "AT", zone: "Europe/Vienna");
        var address = await FollowerAsync(Follows.Country, country: "AT");
        await FollowerAsync(Follows.Event, eventId: e.Id, address: address);

        await PlanAsync();

        var reminders = (await PendingAsync(address)).Where(d => d == e.StartsAt).ToList();
        Assert.Equal(2, reminders.Count); // 1 day and 1 hour before
    }

    // A venue's followers are reminded of its minute of silence, at the venue's own moment.
    [Fact]
    public async Task AVenuesFollowersAreRemindedOfItsMinuteOfSilence()
    {
        var world = await World.CreateAsync(fixture);
        var address = await FollowerAsync(Follows.Venue, venueId: world.Memorial.Id);

        var occurrence = await world.NewOccurrenceAsync(hostedByMemorial: true);
        await PlanAsync();

        var begins = await fixture.App.InScopeAsync<CeremoniesDb, DateTimeOffset>(db => db.OccurrenceVenues
            .Where(p => p.OccurrenceId == occurrence.Id && p.VenueId == world.Memorial.Id).Select(p => p.BeginsAt).SingleAsync());
        Assert.Equal([begins, begins], await PendingAsync(address));
    }

    [Fact]
    public async Task UnconfirmedAddressesWhoseLinkExpiredAndLongStoppedSubscriptionsAreDeleted()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(40));
        await using var app = fixture.StartAnotherApp(services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var pending = await FollowerAsync(Follows.Event, eventId: e.Id, state: SubscriptionState.Pending);
        var stopped = await FollowerAsync(Follows.Event, eventId: e.Id, state: SubscriptionState.Unsubscribed);
        var confirmed = await FollowerAsync(Follows.Event, eventId: e.Id);

        await app.InScopeAsync<SubscriptionActions, int>(a => a.PruneAsync(CancellationToken.None));

        var left = await fixture.App.InScopeAsync<CeremoniesDb, List<string>>(db =>
            db.Subscriptions.Where(s => s.EventId == e.Id).Select(s => s.Email).ToListAsync());
        Assert.Equal([confirmed], left);
        Assert.DoesNotContain(pending, left);
        Assert.DoesNotContain(stopped, left);
    }

    private async Task<string> FollowerAsync(
        Follows follows, string? country = null, Guid? venueId = null, Guid? eventId = null, string? address = null,
        SubscriptionState state = SubscriptionState.Confirmed)
    {
        address ??= $"follower-{Guid.NewGuid():N}@example.test";
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            var now = DateTimeOffset.UtcNow;
            db.Subscriptions.Add(new Subscription
            {
                Id = Guid.CreateVersion7(), Email = address, TimeZone = "Europe/Paris", Language = "en", Follows = follows, Country = country,
                VenueId = venueId, EventId = eventId, OffsetMinutes = [1440, 60], State = state, CreatedAt = now, UpdatedAt = now,
                ConfirmedAt = state == SubscriptionState.Confirmed ? now : null, UnsubscribedAt = state == SubscriptionState.Unsubscribed ? now : null,
            });
            return db.SaveChangesAsync();
        });
        return address;
    }

    private Task PlanAsync() => fixture.App.PlanRemindersAsync();

    // The deadlines (the moments) of the address's pending reminders.
    private Task<List<DateTimeOffset>> PendingAsync(string address) =>
        fixture.App.InScopeAsync<CeremoniesDb, List<DateTimeOffset>>(db => db.Outbox
            .Where(m => m.Recipient == address && m.State == OutboxState.Pending && m.DeadlineAt != null)
            .Select(m => m.DeadlineAt!.Value).ToListAsync());
}
