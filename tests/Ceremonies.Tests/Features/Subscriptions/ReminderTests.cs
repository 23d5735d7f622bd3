using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Events;
using Ceremonies.Features.Reminders;
using Ceremonies.Features.Subscriptions;
using Ceremonies.Infrastructure.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Ceremonies.Tests.Features.Subscriptions;

// Subscribing, confirming, being reminded and stopping, against the real database and MailDev, with
// the clock of a second app moved by hand (its planner and dispatcher run when the test says).
[Collection(AppTests.Name)]
public sealed partial class ReminderTests(AppFixture fixture)
{
    private static readonly int[] DayAndHour = [1440, 60];

    [Fact]
    public async Task OnlyTheConfirmationGoesOutUntilItIsOpenedThenTheReminderArrivesWithOneClickUnsubscribeWhichStopsTheNext()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAppWithClock(clock);
        using var client = app.CreateClient();
        var address = $"subscriber-{Guid.NewGuid():N}@example.test";

        using var subscribed = await client.PostAsJsonAsync(new Uri("/api/subscriptions", UriKind.Relative), new
        {
            email = address, timeZone = "Asia/Baku", follows = "event", eventId = e.Id, offsetMinutes = DayAndHour,
        });
        await PlanAsync(app);
        await DispatchAsync(app);
        var beforeConfirming = await fixture.MailDev.WaitForAsync(address);
        var plannedBeforeConfirming = await RemindersAsync(address);
        var token = ConfirmToken().Match(beforeConfirming[0].Text!).Groups[1].Value;
        using var confirmed = await client.GetAsync(new Uri($"/api/subscriptions/confirm?token={token}", UriKind.Relative));
        await PlanAsync(app);
        var planned = await RemindersAsync(address);

        clock.SetUtcNow(e.StartsAt.AddDays(-1).AddMinutes(1));
        await DispatchAsync(app);
        var mails = await fixture.MailDev.WaitForAsync(address, count: 2);
        var reminder = mails.Single(m => m.Subject != beforeConfirming[0].Subject);
        // MailDev reads List-* headers into objects of its own: the message as sent is read instead.
        var source = await fixture.MailDev.SourceAsync(reminder);
        var oneClick = new Uri(SourceHeader(source, "List-Unsubscribe").Trim('<', '>'));
        using var unsubscribed = await client.PostAsync(new Uri(oneClick.PathAndQuery, UriKind.Relative),
            new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        clock.SetUtcNow(e.StartsAt.AddHours(-1).AddMinutes(1));
        await PlanAsync(app);
        await DispatchAsync(app);
        var after = await fixture.MailDev.ToAsync(address);
        var rows = await RemindersAsync(address);
        using var admin = await world.ClientAsync(Who.Admin);
        using var report = JsonDocument.Parse(await admin.GetStringAsync(new Uri("/api/admin/outbox", UriKind.Relative)));
        var kinds = report.RootElement.GetProperty("byKind").EnumerateArray()
            .Select(k => (k.GetProperty("kind").GetString(), k.GetProperty("state").GetString(), k.GetProperty("count").GetInt32())).ToList();

        Assert.Equal(HttpStatusCode.Accepted, subscribed.StatusCode);
        Assert.Single(beforeConfirming);
        Assert.StartsWith("Confirm your reminders", beforeConfirming[0].Subject, StringComparison.Ordinal);
        Assert.Empty(plannedBeforeConfirming);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal([e.StartsAt.AddDays(-1), e.StartsAt.AddHours(-1)], planned.Select(r => r.DueAt).Order());
        Assert.All(planned, r => Assert.Equal(e.StartsAt, r.DeadlineAt));
        Assert.Equal($"{e.Title}: in 1 day", reminder.Subject);
        Assert.Equal("List-Unsubscribe=One-Click", SourceHeader(source, "List-Unsubscribe-Post"));
        Assert.Contains("(Europe/Paris)", reminder.Text, StringComparison.Ordinal);
        Assert.Contains("(Asia/Baku)", reminder.Text, StringComparison.Ordinal);
        Assert.Contains($"/events/{e.Id}", reminder.Text, StringComparison.Ordinal);
        Assert.Contains(reminder.Attachments ?? [], a => a.ContentType.StartsWith("text/calendar", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, unsubscribed.StatusCode);
        Assert.Equal(2, after.Count);
        Assert.Equal([OutboxState.Sent, OutboxState.Cancelled], rows.OrderBy(r => r.DueAt).Select(r => r.State));
        Assert.Contains(kinds, k => k is ("reminder", "sent", >= 1));
        Assert.Contains(kinds, k => k is ("reminder", "cancelled", >= 1));
        Assert.Contains(kinds, k => k is ("mail", "sent", >= 1));
    }

    [Fact]
    public async Task MovingAnEventReplansItsRemindersAndWithdrawingItCancelsThemAndNoneGoesOutAfterTheStart()
    {
        var world = await World.CreateAsync(fixture);
        var organizer = await world.NewPersonAsync("organizer");
        var e = await world.NewEventAsync(EventState.Approved, organizer);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAppWithClock(clock);
        var address = await ConfirmedSubscriberAsync(e, [1440, 180]);
        await PlanAsync(app);
        var first = await RemindersAsync(address);

        using var owner = app.CreateClient();
        owner.DefaultRequestHeaders.Authorization = new("Bearer", await World.TokenAsync(owner, organizer.Email!));
        using var moved = await owner.PutAsJsonAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative), new
        {
            e.Title, e.OrganizerName, start = e.LocalStart.AddDays(2), end = e.LocalEnd.AddDays(2), e.TimeZone, e.Address, e.City, e.Country,
            e.Capacity, e.Contact, e.Description,
        });
        await PlanAsync(app);
        var afterMove = await RemindersAsync(address);
        var newStart = e.StartsAt.AddDays(2);

        using var delete = await owner.DeleteAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative));
        await PlanAsync(app);
        var afterWithdrawal = await RemindersAsync(address);
        clock.SetUtcNow(newStart.AddMinutes(-30));
        await DispatchAsync(app);
        var mails = await fixture.MailDev.ToAsync(address);

        Assert.Equal(2, first.Count(r => r.State == OutboxState.Pending));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(2, afterMove.Count(r => r.State == OutboxState.Cancelled && r.DeadlineAt == e.StartsAt));
        Assert.Equal([newStart.AddDays(-1), newStart.AddHours(-3)],
            afterMove.Where(r => r.State == OutboxState.Pending).Select(r => r.DueAt).Order());
        Assert.True(delete.IsSuccessStatusCode, $"{(int)delete.StatusCode}");
        Assert.All(afterWithdrawal, r => Assert.Equal(OutboxState.Cancelled, r.State));
        Assert.Empty(mails);
    }

    // The dispatcher's last check: a reminder still pending when its event starts (planning has not
    // caught up) is given up, not sent.
    [Fact]
    public async Task AReminderStillPendingWhenItsEventStartsIsNeverSent()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAppWithClock(clock);
        var address = await ConfirmedSubscriberAsync(e, [15]);
        await PlanAsync(app);

        clock.SetUtcNow(e.StartsAt.AddSeconds(1));
        await DispatchAsync(app);

        var row = Assert.Single(await RemindersAsync(address));
        Assert.NotEqual(OutboxState.Sent, row.State);
        Assert.Empty(await fixture.MailDev.ToAsync(address));
    }

    // Subscribing two hours before an event with "1 day", "3 hours" and "1 hour": the two passed
    // collapse into one sent at once, the hour before comes at its time.
    [Fact]
    public async Task OfTheRemindersAlreadyPassedWhenPlannedOnlyTheNearestGoesOutAtOnce()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var clock = new FakeTimeProvider(e.StartsAt.AddHours(-2));
        await using var app = fixture.StartAppWithClock(clock);
        var address = await ConfirmedSubscriberAsync(e, [1440, 180, 60]);

        await PlanAsync(app);

        var rows = await RemindersAsync(address);
        Assert.Equal([clock.GetUtcNow(), e.StartsAt.AddHours(-1)], rows.Select(r => r.DueAt).Order());
        Assert.Contains(rows, r => r.Key.EndsWith(":180", StringComparison.Ordinal));
    }

    // Sent late for "3 hours", then "3 hours" dropped: "1 day" becomes the nearest passed one, yet the
    // subscriber has had a reminder since its time and gets no second late mail.
    [Fact]
    public async Task DroppingTheOffsetOfALateReminderAlreadySentSendsNoOtherLateOne()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var clock = new FakeTimeProvider(e.StartsAt.AddHours(-2));
        await using var app = fixture.StartAppWithClock(clock);
        var address = await ConfirmedSubscriberAsync(e, [1440, 180, 60]);
        await PlanAsync(app);
        await DispatchAsync(app);
        var late = await fixture.MailDev.WaitForAsync(address);

        clock.Advance(TimeSpan.FromMinutes(5));
        await fixture.App.InScopeAsync<CeremoniesDb, int>(async db =>
        {
            var id = await db.Subscriptions.Where(x => x.Email == address).Select(x => x.Id).SingleAsync();
            await db.Subscriptions.Where(x => x.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.OffsetMinutes, [1440, 60]));
            return await db.Database.ExecuteSqlAsync($"SELECT request_reminder_plan('subscription', {id})");
        });
        await PlanAsync(app);
        await DispatchAsync(app);

        Assert.Single(late);
        var rows = await RemindersAsync(address);
        Assert.Equal([(e.StartsAt.AddHours(-1), OutboxState.Pending)], rows.Where(r => r.State != OutboxState.Sent).Select(r => (r.DueAt, r.State)));
        Assert.Single(await fixture.MailDev.ToAsync(address));
    }

    // The sending side checks too: a reminder due for an event taken down a moment ago, before the
    // planner has run, is withdrawn rather than sent.
    [Fact]
    public async Task AReminderForAnEventTakenDownIsWithdrawnWhenDueEvenBeforePlanningCatchesUp()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAppWithClock(clock);
        var address = await ConfirmedSubscriberAsync(e, [60]);
        await PlanAsync(app);

        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Events.Where(x => x.Id == e.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.State, EventState.Withdrawn).SetProperty(x => x.Published, false)));
        clock.SetUtcNow(e.StartsAt.AddMinutes(-59));
        await DispatchAsync(app);

        var row = await fixture.App.InScopeAsync<CeremoniesDb, OutboxMessage>(db => db.Outbox.AsNoTracking().SingleAsync(m => m.Recipient == address));
        Assert.Equal(OutboxState.Cancelled, row.State);
        Assert.Equal("the event is no longer listed", row.LastError);
        Assert.Empty(await fixture.MailDev.ToAsync(address));
    }

    // Each way of following reaches its reminders: the country of an event, the venue and the
    // observance of a minute of silence.
    [Fact]
    public async Task TheFollowersOfACountryAVenueAndTheObservanceAreEachReminded()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, city: "Oslo", country: "NO", zone: "Europe/Oslo");
        var occurrence = await world.NewOccurrenceAsync(hostedByMemorial: true);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAppWithClock(clock);
        var byCountry = await ConfirmedFollowerAsync(s => (s.Follows, s.Country) = (Follows.Country, "NO"), [60]);
        var byVenue = await ConfirmedFollowerAsync(s => (s.Follows, s.VenueId) = (Follows.Venue, world.Memorial.Id), [60]);
        var byObservance = await ConfirmedFollowerAsync(s => (s.Follows, s.ObservanceId) = (Follows.Observance, occurrence.ObservanceId), [60]);
        await PlanAsync(app);

        clock.SetUtcNow(e.StartsAt.AddMinutes(-59));
        await DispatchAsync(app);
        var ofEvent = await fixture.MailDev.WaitForAsync(byCountry);
        clock.SetUtcNow(occurrence.SilenceAt.AddMinutes(-59));
        await DispatchAsync(app);

        Assert.Contains(ofEvent, m => m.Subject!.Contains(e.Title, StringComparison.Ordinal));
        Assert.NotEmpty(await fixture.MailDev.WaitForAsync(byVenue));
        Assert.NotEmpty(await fixture.MailDev.WaitForAsync(byObservance));
    }

    // The subscriber dropped "1 day" a moment ago, before the planner ran: the sending side sees it.
    [Fact]
    public async Task AReminderWhoseTimeTheSubscriberJustDroppedIsWithdrawnWhenDue()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAppWithClock(clock);
        var address = await ConfirmedSubscriberAsync(e, DayAndHour);
        await PlanAsync(app);

        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Subscriptions.Where(x => x.Email == address)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.OffsetMinutes, [60])));
        clock.SetUtcNow(e.StartsAt.AddDays(-1).AddMinutes(1));
        await DispatchAsync(app);

        var rows = await RemindersAsync(address);
        Assert.Equal([(e.StartsAt.AddDays(-1), OutboxState.Cancelled), (e.StartsAt.AddHours(-1), OutboxState.Pending)],
            rows.Select(r => (r.DueAt, r.State)).Order());
        Assert.Empty(await fixture.MailDev.ToAsync(address));
    }

    // In the subscriber's language, with the event's time in its zone and in the subscriber's.
    [Fact]
    public async Task AReminderIsWrittenInTheSubscribersLanguageWithBothZones()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved, zone: "America/Toronto", city: "Toronto", country: "CA");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAppWithClock(clock);
        var address = await ConfirmedSubscriberAsync(e, [180], "fr");
        await PlanAsync(app);

        clock.SetUtcNow(e.StartsAt.AddHours(-3));
        await DispatchAsync(app);

        var mail = Assert.Single(await fixture.MailDev.WaitForAsync(address));
        Assert.Equal($"{e.Title} : dans 3 heures", mail.Subject);
        Assert.Contains("Heure locale", mail.Text, StringComparison.Ordinal);
        Assert.Contains("(America/Toronto)", mail.Text, StringComparison.Ordinal);
        Assert.Contains("(Europe/Berlin)", mail.Text, StringComparison.Ordinal);
        Assert.Contains("Se désabonner", mail.Html, StringComparison.Ordinal);
    }

    // One reminder of a batch that cannot be written (here a zone no rule lets in) waits for a retry
    // on its own, never given up at once; the others of the batch go out. Mended, it goes too.
    [Fact]
    public async Task AReminderThatCannotBeWrittenWaitsForARetryAndTheBatchsOthersGoOut()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = fixture.StartAppWithClock(clock);
        var broken = await ConfirmedSubscriberAsync(e, [60]);
        var fine = await ConfirmedSubscriberAsync(e, [60]);
        await PlanAsync(app);
        await SetZoneAsync(broken, "Nowhere/Atlantis");

        clock.SetUtcNow(e.StartsAt.AddMinutes(-59));
        await DispatchAsync(app);
        var delivered = await fixture.MailDev.WaitForAsync(fine);
        var waiting = await fixture.App.InScopeAsync<CeremoniesDb, OutboxMessage>(db => db.Outbox.AsNoTracking().SingleAsync(m => m.Recipient == broken));
        await SetZoneAsync(broken, "Europe/Berlin");
        clock.Advance(TimeSpan.FromSeconds(10));
        await DispatchAsync(app);

        Assert.Single(delivered);
        Assert.Equal(OutboxState.Pending, waiting.State);
        Assert.StartsWith("its text could not be written", waiting.LastError, StringComparison.Ordinal);
        Assert.Single(await fixture.MailDev.WaitForAsync(broken));
    }

    private Task<int> SetZoneAsync(string address, string zone) =>
        fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Subscriptions.Where(s => s.Email == address)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.TimeZone, zone)));

    private Task<string> ConfirmedSubscriberAsync(CommunityEvent e, int[] offsets, string language = "en") =>
        ConfirmedFollowerAsync(s => (s.Follows, s.EventId) = (Follows.Event, e.Id), offsets, language);

    // A confirmed subscription, what it follows set by follow, with its plan asked for.
    private async Task<string> ConfirmedFollowerAsync(Action<Subscription> follow, int[] offsets, string language = "en")
    {
        var address = $"subscriber-{Guid.NewGuid():N}@example.test";
        await fixture.App.InScopeAsync<CeremoniesDb, int>(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            var s = new Subscription
            {
                Id = Guid.CreateVersion7(), Email = address, TimeZone = "Europe/Berlin", Language = language, Follows = Follows.Event,
                OffsetMinutes = offsets, State = SubscriptionState.Confirmed, CreatedAt = now, UpdatedAt = now, ConfirmedAt = now,
            };
            follow(s);
            db.Subscriptions.Add(s);
            await db.SaveChangesAsync();
            return await db.Database.ExecuteSqlAsync($"SELECT request_reminder_plan('subscription', {s.Id})");
        });
        return address;
    }

    private sealed record ReminderRow(string Key, DateTimeOffset DueAt, DateTimeOffset? DeadlineAt, OutboxState State);

    private Task<List<ReminderRow>> RemindersAsync(string address) =>
        fixture.App.InScopeAsync<CeremoniesDb, List<ReminderRow>>(db => db.Outbox.AsNoTracking()
            .Where(m => m.Recipient == address && m.Renderer == ReminderRenderer.Name)
            .Select(m => new ReminderRow(m.IdempotencyKey, m.DueAt, m.DeadlineAt, m.State))
            .ToListAsync());

    private static Task PlanAsync(CeremoniesApp app) => app.PlanRemindersAsync();

    private static async Task DispatchAsync(CeremoniesApp app)
    {
        while (true)
        {
            var run = await app.InScopeAsync<OutboxDispatcher, DispatchResult>(d => d.RunAsync(CancellationToken.None));
            if (run.Sent + run.Failed + run.Expired == 0)
            {
                return;
            }
        }
    }

    // A header of the raw message, unfolded (RFC 5322: a line break before white space is a fold).
    private static string SourceHeader(string source, string name)
    {
        var head = source[..source.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\r\n\t", " ", StringComparison.Ordinal);
        var line = head.Split("\r\n").Single(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));
        return line[(name.Length + 1)..].Trim();
    }

    [GeneratedRegex(@"/subscriptions/confirm\?token=([^\s]+)")]
    private static partial Regex ConfirmToken();
}
