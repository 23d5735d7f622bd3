using System.Net;
using System.Net.Http.Json;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Observances;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ceremonies.Tests.Features.Observances;

// A venue's minute follows its clock: when the venue moves to another zone, what is still ahead is
// planned again in the same save as the move.
[Collection(AppTests.Name)]
public sealed class ReplanningTests(AppFixture fixture)
{
    [Fact]
    public async Task AVenueThatMovesToAnotherZoneHasItsMinuteItsSignalsAndItsMailsPlannedAgain()
    {
        var world = await World.CreateAsync(fixture);
        var observance = await world.NewObservanceAsync(hostedByMemorial: true, mode: SilenceMode.LocalTime);
        Occurrence occurrence;
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            occurrence = (await scope.ServiceProvider.GetRequiredService<OccurrencePlanning>()
                .EnsureAsync(observance, DateTimeOffset.UtcNow.AddDays(30).Year, CancellationToken.None)).Occurrence;
        }
        var mailKeys = $"silence:{occurrence.Id}:{world.Memorial.Id}:";
        // The notice has gone out already (as the day before would have it); "prepare" has not.
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Outbox
            .Where(m => m.IdempotencyKey.StartsWith(mailKeys + "notice:"))
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.State, OutboxState.Sent).SetProperty(x => x.SentAt, DateTimeOffset.UtcNow)));
        using var manager = await world.ClientAsync(Who.Manager);

        // Saving the venue without moving it changes nothing of its minute.
        await PutAsync(manager, world.Memorial.Id, "Asia/Baku");
        Assert.Equal(4, await MailCountAsync(mailKeys));

        await PutAsync(manager, world.Memorial.Id, "America/New_York");

        var expected = SilenceMoments.ForVenue(observance.Rule, occurrence.Year, "America/New_York");
        var now = DateTimeOffset.UtcNow;
        var (participant, deliveries, mails) = await fixture.App.InScopeAsync<CeremoniesDb, (OccurrenceVenue, List<SignalDelivery>, List<OutboxMessage>)>(async db => (
            await db.OccurrenceVenues.SingleAsync(p => p.OccurrenceId == occurrence.Id && p.VenueId == world.Memorial.Id),
            await db.SignalDeliveries.Where(d => d.OccurrenceId == occurrence.Id && d.VenueId == world.Memorial.Id).ToListAsync(),
            await db.Outbox.Where(m => m.IdempotencyKey.StartsWith(mailKeys)).ToListAsync()));

        Assert.Equal(("America/New_York", new TimeOnly(17, 0), expected.Instant, expected.Instant.AddSeconds(60)),
            (participant.TimeZone, participant.LocalTime, participant.BeginsAt, participant.EndsAt));
        Assert.NotEqual(SilenceMoments.ForVenue(observance.Rule, occurrence.Year, "Asia/Baku").Instant, participant.BeginsAt);
        var due = deliveries.ToDictionary(d => d.Signal, d => (d.State, d.DueAt));
        Assert.Equal((DeliveryState.Pending, expected.Instant.AddDays(-1)), due[Signal.Notice]);
        Assert.Equal((DeliveryState.Pending, expected.Instant.AddMinutes(-10)), due[Signal.Prepare]);
        Assert.Equal((DeliveryState.Pending, expected.Instant), due[Signal.Begin]);
        Assert.Equal((DeliveryState.Pending, expected.Instant.AddSeconds(60)), due[Signal.End]);

        // To each of the venue's two people: the sent notice stays sent, a notice of the change goes
        // at once, the old "prepare" is cancelled and a new one says the new time.
        var people = new[] { world.Person(Who.Staff).Email, world.Person(Who.Manager).Email };
        foreach (var to in people)
        {
            var theirs = mails.Where(m => m.Recipient == to).ToList();
            Assert.Single(theirs, m => m.State == OutboxState.Sent && m.IdempotencyKey.Contains(":notice:", StringComparison.Ordinal));
            var changed = Assert.Single(theirs, m => m.State == OutboxState.Pending && m.Subject.StartsWith("Changed:", StringComparison.Ordinal));
            Assert.Contains("17:00 (America/New_York)", changed.Subject, StringComparison.Ordinal);
            Assert.InRange(changed.DueAt, now.AddMinutes(-1), now);
            Assert.Single(theirs, m => m.State == OutboxState.Cancelled && m.IdempotencyKey.Contains(":prepare:", StringComparison.Ordinal));
            var prepare = Assert.Single(theirs, m => m.State == OutboxState.Pending && m.IdempotencyKey.Contains(":prepare:", StringComparison.Ordinal));
            Assert.Contains("17:00 (America/New_York)", prepare.Subject, StringComparison.Ordinal);
            Assert.Equal(expected.Instant.AddMinutes(-10), prepare.DueAt);
            Assert.Contains($"/occurrences/{occurrence.Id}/display/{world.Memorial.Id}", prepare.BodyText, StringComparison.Ordinal);
        }
        Assert.Equal(people.Length * 4, mails.Count);
    }

    [Fact]
    public async Task AnAdminWhoChangesTheRuleMovesEveryMinuteStillAheadAndAStaleEditIsRefused()
    {
        var world = await World.CreateAsync(fixture);
        var observance = await world.NewObservanceAsync(hostedByMemorial: true);
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<OccurrencePlanning>()
                .EnsureAsync(observance, DateTimeOffset.UtcNow.AddDays(30).Year, CancellationToken.None);
        }
        using var admin = await world.ClientAsync(Who.Admin);
        using var read = await admin.GetAsync(new Uri($"/api/observances/{observance.Id}", UriKind.Relative));
        var etag = read.Headers.ETag!.Tag; // every observance answers with one

        // An hour later, a longer minute, "prepare" 15 minutes ahead.
        using var edit = Edit(observance.Id, etag, "18:00:00");
        using var edited = await admin.SendAsync(edit);
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        using var stale = Edit(observance.Id, etag, "19:00:00");
        using var refused = await admin.SendAsync(stale);
        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);

        var expected = SilenceMoments.ForVenue(observance.Rule with { LocalTime = new TimeOnly(18, 0) }, DateTimeOffset.UtcNow.AddDays(30).Year, "Asia/Baku");
        var (participant, deliveries, prepares) = await fixture.App.InScopeAsync<CeremoniesDb, (OccurrenceVenue, List<SignalDelivery>, List<OutboxMessage>)>(async db =>
        {
            var occurrence = await db.Occurrences.SingleAsync(o => o.ObservanceId == observance.Id);
            var keys = $"silence:{occurrence.Id}:{world.Memorial.Id}:prepare:";
            return (await db.OccurrenceVenues.SingleAsync(p => p.OccurrenceId == occurrence.Id),
                await db.SignalDeliveries.Where(d => d.OccurrenceId == occurrence.Id && d.State == DeliveryState.Pending).ToListAsync(),
                await db.Outbox.Where(m => m.IdempotencyKey.StartsWith(keys) && m.State == OutboxState.Pending).ToListAsync());
        });
        Assert.Equal((new TimeOnly(18, 0), expected.Instant, expected.Instant.AddSeconds(90)), (participant.LocalTime, participant.BeginsAt, participant.EndsAt));
        var due = deliveries.ToDictionary(d => d.Signal, d => (d.DueAt, d.DeadlineAt));
        Assert.Equal((expected.Instant.AddMinutes(-15), expected.Instant), due[Signal.Prepare]);
        Assert.Equal((expected.Instant, expected.Instant.AddSeconds(90)), due[Signal.Begin]);
        Assert.Equal(2, prepares.Count);
        Assert.All(prepares, m => Assert.Equal(expected.Instant.AddMinutes(-15), m.DueAt));
        Assert.All(prepares, m => Assert.Contains("18:00 (Asia/Baku)", m.Subject, StringComparison.Ordinal));
    }

    private static HttpRequestMessage Edit(Guid observanceId, string etag, string time)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/observances/{observanceId}", UriKind.Relative))
        {
            Content = JsonContent.Create(new
            {
                name = "Remembrance", month = DateTimeOffset.UtcNow.AddDays(30).Month, day = DateTimeOffset.UtcNow.AddDays(30).Day,
                silenceLocalTime = time, referenceZone = "Asia/Baku", prepareMinutesBefore = 15, silenceSeconds = 90,
            }),
        };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return request;
    }

    private static async Task PutAsync(HttpClient client, Guid venueId, string zone)
    {
        using var response = await client.PutAsJsonAsync(new Uri($"/api/venues/{venueId}", UriKind.Relative),
            new { name = $"Memorial {zone}", city = "Khojaly", country = "AZ", timeZone = zone });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private Task<int> MailCountAsync(string keys) =>
        fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Outbox.CountAsync(m => m.IdempotencyKey.StartsWith(keys)));
}
