using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Events;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Reminders;
using Ceremonies.Features.Subscriptions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
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

    // Following an event and its country, subscribing when both offsets have passed: the nearest
    // goes out at once, one for each address, whichever subscription it falls to.
    [Fact]
    public async Task WhenAllOffsetsHavePassedTheNearestGoesOutOnceForEachAddressFollowingTwice()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, city: "Graz", country: "AT", zone: "Europe/Vienna");
        var addresses = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var address = await FollowerAsync(Follows.Country, country: "AT");
            await FollowerAsync(Follows.Event, eventId: e.Id, address: address);
            addresses.Add(address);
        }
        var clock = new FakeTimeProvider(e.StartsAt.AddMinutes(-30));
        await using var app = fixture.StartAppWithClock(clock);

        await app.PlanRemindersAsync();

        foreach (var address in addresses)
        {
            Assert.Equal([clock.GetUtcNow()], await DueOfAsync(address, e));
        }
    }

    // The address follows the country (the older subscription, which holds the shared reminders)
    // and the event. Stopping the country keeps the event's reminders, now the event subscription's:
    // written in its language, unsubscribing from it.
    [Fact]
    public async Task ARemindersSharedByTwoSubscriptionsStayWithTheOtherWhenTheOneHoldingThemStops()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, city: "Linz", country: "AT", zone: "Europe/Vienna");
        var address = await FollowerAsync(Follows.Country, country: "AT");
        await FollowerAsync(Follows.Event, eventId: e.Id, address: address);
        await PlanAsync();
        var byCountry = await SubscriptionIdAsync(address, Follows.Country);
        var byEvent = await SubscriptionIdAsync(address, Follows.Event);
        var before = await HoldersAsync(address, e);

        var token = await fixture.App.InScopeAsync<SubscriptionLinks, string>(l => Task.FromResult(l.ManageToken(byCountry)));
        await fixture.App.InScopeAsync<SubscriptionActions, SubscriptionOutcome>(a => a.UnsubscribeAsync(token, CancellationToken.None));
        await PlanAsync();

        Assert.Equal([byCountry, byCountry], before);
        Assert.Equal([byEvent, byEvent], await HoldersAsync(address, e));
    }

    // A worker holds one of the reminders (it may be sending it) when the event moves: that one is
    // not withdrawn under it, and the plan comes back for it once the worker's lease is over.
    [Fact]
    public async Task AReminderBeingSentIsNotWithdrawnUnderTheWorkerAndItsPlanComesBackForIt()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, city: "Salzburg", country: "AT", zone: "Europe/Vienna");
        var address = await FollowerAsync(Follows.Event, eventId: e.Id);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAppWithClock(clock);
        await app.PlanRemindersAsync();
        var leased = await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Database.ExecuteSqlAsync($"""
            UPDATE outbox_messages SET locked_by = 'another-worker', locked_until = {clock.GetUtcNow().AddSeconds(15)}
             WHERE recipient = {address} AND due_at = {e.StartsAt.AddDays(-1)}
            """));

        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Events.Where(x => x.Id == e.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.StartsAt, e.StartsAt.AddDays(1)).SetProperty(x => x.EndsAt, e.EndsAt.AddDays(1))));
        var whileHeld = await app.InScopeAsync<ReminderPlanner, PlanResult?>(p => p.PlanNextAsync(CancellationToken.None));
        var afterFirstPlan = await StatesAsync(address);
        clock.Advance(TimeSpan.FromSeconds(16)); // the lease is over, and the wait of the plan
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Database.ExecuteSqlAsync(
            $"UPDATE outbox_messages SET locked_by = NULL, locked_until = NULL WHERE recipient = {address} AND locked_by = 'another-worker'"));
        await app.PlanRemindersAsync();

        Assert.Equal(1, leased);
        Assert.Equal(("event", e.Id, 1), (whileHeld?.Kind, whileHeld?.TargetId, whileHeld?.Held)); // the country's followers (other tests') are in the counts too
        Assert.Equal([(e.StartsAt.AddDays(-1), OutboxState.Pending), (e.StartsAt.AddHours(-1), OutboxState.Cancelled)],
            afterFirstPlan.Where(r => r.Deadline == e.StartsAt).Select(r => (r.Due, r.State)).Order());
        Assert.All((await StatesAsync(address)).Where(r => r.Deadline == e.StartsAt), r => Assert.Equal(OutboxState.Cancelled, r.State));
    }

    // One target whose plan fails (here a trigger refuses its reminders) waits a doubling time with its
    // error; the plans behind it go on.
    [Fact]
    public async Task APlanThatFailsWaitsWithItsErrorAndThePlansBehindItGoOn()
    {
        var world = await World.CreateAsync(fixture);
        var failing = await world.NewEventAsync(EventState.Approved, city: "Bregenz", country: "AT", zone: "Europe/Vienna");
        var fine = await world.NewEventAsync(EventState.Approved, city: "Innsbruck", country: "AT", zone: "Europe/Vienna");
        var refused = await FollowerAsync(Follows.Event, eventId: failing.Id);
        var served = await FollowerAsync(Follows.Event, eventId: fine.Id);
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds())); // as PostgreSQL keeps it
        await using var app = fixture.StartAppWithClock(clock);
        var trigger = $"refuse_{Guid.NewGuid():N}";
        await Sql($"""
            CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.event_id = '{failing.Id}' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {trigger} BEFORE INSERT ON reminders FOR EACH ROW EXECUTE FUNCTION {trigger}();
            """);
        try
        {
            await app.PlanRemindersAsync();
            var waiting = await fixture.App.InScopeAsync<CeremoniesDb, List<(int Attempts, DateTimeOffset? NotBefore, string? Error)>>(async db =>
                (await db.Database.SqlQuery<PlanRow>($"SELECT attempts, not_before, last_error FROM reminder_plans WHERE target_id = {failing.Id}")
                    .ToListAsync()).Select(r => (r.Attempts, r.NotBefore, r.LastError)).ToList());

            var health = await app.InScopeAsync<HealthCheckService, HealthReport>(h => h.CheckHealthAsync(c => c.Name == "reminder-planning"));

            Assert.Equal(2, (await PendingAsync(served)).Count);
            Assert.Empty(await PendingAsync(refused));
            Assert.Equal(HealthStatus.Degraded, health.Entries["reminder-planning"].Status);
            Assert.Contains("refused by the test", health.Entries["reminder-planning"].Description, StringComparison.Ordinal);
            var (attempts, notBefore, error) = Assert.Single(waiting);
            Assert.Equal(1, attempts);
            Assert.Equal(clock.GetUtcNow().AddSeconds(5), notBefore);
            Assert.Contains("refused by the test", error, StringComparison.Ordinal);
        }
        finally
        {
            await Sql($"DROP TRIGGER {trigger} ON reminders; DROP FUNCTION {trigger}();");
        }
        clock.Advance(TimeSpan.FromSeconds(5));
        await app.PlanRemindersAsync();
        Assert.Equal(2, (await PendingAsync(refused)).Count);
    }

    // A stopped subscription pruned takes its withdrawn reminders with it: the same address following
    // the same event again later is reminded anew.
    [Fact]
    public async Task AnAddressWhoseStoppedSubscriptionWasPrunedIsRemindedWhenItFollowsAgain()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, city: "Bruges", country: "BE", zone: "Europe/Brussels");
        var address = await FollowerAsync(Follows.Event, eventId: e.Id);
        await PlanAsync();
        var first = await SubscriptionIdAsync(address, Follows.Event);
        var token = await fixture.App.InScopeAsync<SubscriptionLinks, string>(l => Task.FromResult(l.ManageToken(first)));
        await fixture.App.InScopeAsync<SubscriptionActions, SubscriptionOutcome>(a => a.UnsubscribeAsync(token, CancellationToken.None));
        await PlanAsync();
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Subscriptions.Where(s => s.Id == first)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.UnsubscribedAt, DateTimeOffset.UtcNow.AddDays(-40))));

        await fixture.App.InScopeAsync<SubscriptionActions, int>(a => a.PruneAsync(CancellationToken.None));
        var left = await StatesAsync(address);
        await FollowerAsync(Follows.Event, eventId: e.Id, address: address);
        await Sql($"SELECT request_reminder_plan('subscription', '{await SubscriptionIdAsync(address, Follows.Event)}')");
        await PlanAsync();

        Assert.Empty(left);
        Assert.Equal([e.StartsAt, e.StartsAt], await PendingAsync(address));
    }

    private sealed record PlanRow(int Attempts, DateTimeOffset? NotBefore, string? LastError);

    private Task<int> Sql(string sql) => fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Database.ExecuteSqlRawAsync(sql));

    [Fact]
    public async Task UnconfirmedAddressesWhoseLinkExpiredAndLongStoppedSubscriptionsAreDeleted()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(40));
        await using var app = fixture.StartAppWithClock(clock);
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

    private Task<Guid> SubscriptionIdAsync(string address, Follows follows) =>
        fixture.App.InScopeAsync<CeremoniesDb, Guid>(db => db.Subscriptions
            .Where(s => s.Email == address && s.Follows == follows).Select(s => s.Id).SingleAsync());

    // Which subscription each pending reminder of the event belongs to.
    private Task<List<Guid>> HoldersAsync(string address, CommunityEvent e) =>
        fixture.App.InScopeAsync<CeremoniesDb, List<Guid>>(db => db.Database.SqlQuery<Guid>($"""
            SELECT r.subscription_id AS "Value" FROM reminders r JOIN outbox_messages m ON m.id = r.message_id
             WHERE m.recipient = {address} AND m.state = 'pending' AND r.event_id = {e.Id}
            """).ToListAsync());

    // When the address's pending reminders of the event are due (another event may start at the same moment).
    private Task<List<DateTimeOffset>> DueOfAsync(string address, CommunityEvent e) =>
        fixture.App.InScopeAsync<CeremoniesDb, List<DateTimeOffset>>(db => db.Database.SqlQuery<DateTimeOffset>($"""
            SELECT m.due_at AS "Value" FROM reminders r JOIN outbox_messages m ON m.id = r.message_id
             WHERE m.recipient = {address} AND m.state = 'pending' AND r.event_id = {e.Id}
            """).ToListAsync());

    private Task<List<(DateTimeOffset Due, DateTimeOffset? Deadline, OutboxState State)>> StatesAsync(string address) =>
        fixture.App.InScopeAsync<CeremoniesDb, List<(DateTimeOffset, DateTimeOffset?, OutboxState)>>(async db =>
            (await db.Outbox.Where(m => m.Recipient == address).Select(m => new { m.DueAt, m.DeadlineAt, m.State }).ToListAsync())
                .Select(m => (m.DueAt, m.DeadlineAt, m.State)).ToList());

    // The deadlines (the moments) of the address's pending reminders.
    private Task<List<DateTimeOffset>> PendingAsync(string address) =>
        fixture.App.InScopeAsync<CeremoniesDb, List<DateTimeOffset>>(db => db.Outbox
            .Where(m => m.Recipient == address && m.State == OutboxState.Pending && m.DeadlineAt != null)
            .Select(m => m.DeadlineAt!.Value).ToListAsync());
}
