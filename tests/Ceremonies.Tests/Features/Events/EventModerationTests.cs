using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Events;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Events;

// Each moderation transition, who may make it, what it leaves behind (the state, the listing, the
// organizer's mail, the audit entry), and who sees an event that is not approved.
[Collection(AppTests.Name)]
public sealed class EventModerationTests(AppFixture fixture)
{
    // Who acts on the event: its own organizer, the organizer of another event, a moderator, an admin, nobody.
    public enum Actor
    {
        Anonymous,
        OtherOrganizer,
        OwnOrganizer,
        Moderator,
        Admin,
    }

    [Theory]
    [InlineData("approve", EventState.Submitted, Actor.Anonymous, 401, null)]
    [InlineData("approve", EventState.Submitted, Actor.OtherOrganizer, 403, null)]
    [InlineData("approve", EventState.Submitted, Actor.OwnOrganizer, 403, null)]
    [InlineData("approve", EventState.Submitted, Actor.Moderator, 200, EventState.Approved)]
    [InlineData("approve", EventState.Submitted, Actor.Admin, 200, EventState.Approved)]
    [InlineData("approve", EventState.Approved, Actor.Moderator, 409, null)]
    [InlineData("approve", EventState.Rejected, Actor.Moderator, 409, null)]
    [InlineData("approve", EventState.Withdrawn, Actor.Moderator, 409, null)]
    [InlineData("reject", EventState.Submitted, Actor.Anonymous, 401, null)]
    [InlineData("reject", EventState.Submitted, Actor.OtherOrganizer, 403, null)]
    [InlineData("reject", EventState.Submitted, Actor.OwnOrganizer, 403, null)]
    [InlineData("reject", EventState.Submitted, Actor.Moderator, 200, EventState.Rejected)]
    [InlineData("reject", EventState.Submitted, Actor.Admin, 200, EventState.Rejected)]
    [InlineData("reject", EventState.Approved, Actor.Moderator, 200, EventState.Rejected)]
    [InlineData("reject", EventState.Withdrawn, Actor.Moderator, 409, null)]
    [InlineData("withdraw", EventState.Submitted, Actor.Anonymous, 401, null)]
    [InlineData("withdraw", EventState.Submitted, Actor.OtherOrganizer, 404, null)]
    [InlineData("withdraw", EventState.Approved, Actor.OtherOrganizer, 403, null)]
    [InlineData("withdraw", EventState.Submitted, Actor.Moderator, 403, null)]
    [InlineData("withdraw", EventState.Submitted, Actor.OwnOrganizer, 200, EventState.Withdrawn)]
    [InlineData("withdraw", EventState.Approved, Actor.OwnOrganizer, 200, EventState.Withdrawn)]
    [InlineData("withdraw", EventState.Approved, Actor.Admin, 200, EventState.Withdrawn)]
    [InlineData("withdraw", EventState.Rejected, Actor.OwnOrganizer, 409, null)]
    [InlineData("withdraw", EventState.Withdrawn, Actor.OwnOrganizer, 409, null)]
    public async Task EachTransitionIsMadeOnlyByThoseWhoMayMakeItAndMailsAndAuditsIt(
        string action, EventState from, Actor actor, int expected, EventState? to)
    {
        var world = await World.CreateAsync(fixture);
        var organizer = await world.NewPersonAsync("organizer");
        var e = await world.NewEventAsync(from, organizer);
        using var client = await ClientAsync(world, actor, organizer);

        using var response = action switch
        {
            "approve" => await client.PostAsync(new Uri($"/api/events/{e.Id}/approve", UriKind.Relative), null),
            "reject" => await client.PostAsJsonAsync(new Uri($"/api/events/{e.Id}/reject", UriKind.Relative), new { reason = "Not a commemoration." }),
            _ => await client.DeleteAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative)),
        };

        Assert.True((int)response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var (stored, mails, audit) = await TraceAsync(e.Id, organizer);
        if (to is { } state)
        {
            Assert.Equal(state, stored.State);
            Assert.Equal(state == EventState.Approved, stored.Published);
            Assert.Single(mails);
            Assert.Equal($"event.{state.ToString().ToLowerInvariant()}", Assert.Single(audit));
            if (state == EventState.Rejected)
            {
                Assert.Equal("Not a commemoration.", stored.Reason);
                Assert.Contains("Not a commemoration.", mails[0], StringComparison.Ordinal);
            }
        }
        else
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(from, stored.State);
            Assert.Equal(e.Version, stored.Version);
            Assert.Empty(mails);
            Assert.Empty(audit);
        }
    }

    [Fact]
    public async Task ARejectionWithoutAReasonIsRefusedAndNamesTheField()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync();
        using var moderator = await world.ClientAsync(Who.Moderator);

        using var response = await moderator.PostAsJsonAsync(new Uri($"/api/events/{e.Id}/reject", UriKind.Relative), new { reason = "  " });

        await ProblemAssert.NamesAsync(response, ["reason"], "reject without a reason");
        Assert.Equal(EventState.Submitted, (await TraceAsync(e.Id, null)).Event.State);
    }

    // An approved event that moves goes back to review but stays listed, marked as changed, and its
    // attendees hear of the new time; a moderator's approval clears the mark.
    [Fact]
    public async Task AnApprovedEventThatMovesIsReviewedAgainStaysListedAsChangedAndItsAttendeesAreTold()
    {
        var world = await World.CreateAsync(fixture);
        var organizer = await world.NewPersonAsync("organizer");
        var e = await world.NewEventAsync(EventState.Approved, organizer);
        var (attendee, _) = await world.NewRegistrationAsync(e);
        using var client = await ClientAsync(world, Actor.OwnOrganizer, organizer);
        using var read = await client.GetAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative));

        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/events/{e.Id}", UriKind.Relative))
        {
            Content = JsonContent.Create(Request(e, e.LocalStart.AddHours(1))),
        };
        request.Headers.IfMatch.Add(read.Headers.ETag!);
        using var moved = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        using (var body = JsonDocument.Parse(await moved.Content.ReadAsStringAsync()))
        {
            Assert.Equal("submitted", body.RootElement.GetProperty("state").GetString());
            Assert.True(body.RootElement.GetProperty("changed").GetBoolean());
        }
        Assert.Contains(e.Id, await ListedAsync(e.Title));
        var (stored, mails, audit) = await TraceAsync(e.Id, organizer);
        Assert.Equal(e.StartsAt.AddHours(1), stored.StartsAt);
        Assert.Equal(["event.resubmitted"], audit);
        Assert.Single(mails);
        Assert.Equal(1, await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
            db.Outbox.CountAsync(m => m.Recipient == attendee.Email && m.Subject.StartsWith("Changed:"))));

        using var moderator = await world.ClientAsync(Who.Moderator);
        using var approved = await moderator.PostAsync(new Uri($"/api/events/{e.Id}/approve", UriKind.Relative), null);
        using var again = JsonDocument.Parse(await approved.Content.ReadAsStringAsync());
        Assert.Equal("approved", again.RootElement.GetProperty("state").GetString());
        Assert.False(again.RootElement.GetProperty("changed").GetBoolean());
    }

    // New words are not shown to the public before a moderator has read them.
    [Fact]
    public async Task AnApprovedEventWhoseTextChangesLeavesTheListingUntilApprovedAgain()
    {
        var world = await World.CreateAsync(fixture);
        var organizer = await world.NewPersonAsync("organizer");
        var e = await world.NewEventAsync(EventState.Approved, organizer);
        using var client = await ClientAsync(world, Actor.OwnOrganizer, organizer);

        using var changed = await client.PutAsJsonAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative),
            Request(e, e.LocalStart) with { Description = "Readings, music and a minute of silence." });
        using var anonymous = fixture.App.CreateClient();
        using var hidden = await anonymous.GetAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative));
        var listedBefore = await ListedAsync(e.Title);
        using var moderator = await world.ClientAsync(Who.Moderator);
        using var approved = await moderator.PostAsync(new Uri($"/api/events/{e.Id}/approve", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.DoesNotContain(e.Id, listedBefore);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Contains(e.Id, await ListedAsync(e.Title));
    }

    // A moderator decides on the version they read: an event changed since is not approved unseen.
    [Fact]
    public async Task AnApprovalOfAVersionThatChangedSinceIsRefusedAsStale()
    {
        var world = await World.CreateAsync(fixture);
        var organizer = await world.NewPersonAsync("organizer");
        var e = await world.NewEventAsync(EventState.Submitted, organizer);
        using var moderator = await world.ClientAsync(Who.Moderator);
        using var read = await moderator.GetAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative));
        using var owner = await ClientAsync(world, Actor.OwnOrganizer, organizer);
        using var changed = await owner.PutAsJsonAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative),
            Request(e, e.LocalStart) with { Description = "Something else entirely." });

        using var approve = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/events/{e.Id}/approve", UriKind.Relative));
        approve.Headers.IfMatch.Add(read.Headers.ETag!);
        using var stale = await moderator.SendAsync(approve);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal(EventState.Submitted, (await TraceAsync(e.Id, null)).Event.State);
    }

    // A withdrawn event's attendees are told, and their places end: nobody keeps or takes a seat.
    [Fact]
    public async Task WithdrawingAnEventEndsItsPlacesAndAnOfferCanNoLongerBeTaken()
    {
        var world = await World.CreateAsync(fixture);
        var organizer = await world.NewPersonAsync("organizer");
        var e = await world.NewEventAsync(EventState.Approved, organizer, capacity: 1);
        var (seated, _) = await world.NewRegistrationAsync(e);
        var (offered, offerToken) = await world.NewRegistrationAsync(e, RegistrationState.Offered);
        using var owner = await ClientAsync(world, Actor.OwnOrganizer, organizer);

        using var withdrawn = await owner.DeleteAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative));
        using var anonymous = fixture.App.CreateClient();
        using var late = await anonymous.PostAsJsonAsync(new Uri("/api/registrations/accept", UriKind.Relative), new { token = offerToken });

        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        var states = await fixture.App.InScopeAsync<CeremoniesDb, List<RegistrationState>>(db =>
            db.EventRegistrations.Where(r => r.EventId == e.Id).Select(r => r.State).ToListAsync());
        Assert.All(states, s => Assert.Equal(RegistrationState.Cancelled, s));
        foreach (var address in new[] { seated.Email, offered.Email })
        {
            Assert.Equal(1, await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
                db.Outbox.CountAsync(m => m.Recipient == address && m.Subject.StartsWith("Cancelled:"))));
        }
    }

    [Fact]
    public async Task ARejectedEventThatIsChangedGoesBackToReviewAndAStaleChangeIsRefused()
    {
        var world = await World.CreateAsync(fixture);
        var organizer = await world.NewPersonAsync("organizer");
        var e = await world.NewEventAsync(EventState.Rejected, organizer);
        using var client = await ClientAsync(world, Actor.OwnOrganizer, organizer);

        using var stale = new HttpRequestMessage(HttpMethod.Put, new Uri($"/api/events/{e.Id}", UriKind.Relative))
        {
            Content = JsonContent.Create(Request(e, e.LocalStart) with { Title = "Evening of remembrance and music" }),
        };
        stale.Headers.TryAddWithoutValidation("If-Match", $"\"{e.Version + 1}\"");
        using var refused = await client.SendAsync(stale);
        using var changed = await client.PutAsJsonAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative),
            Request(e, e.LocalStart) with { Title = "Evening of remembrance and music" });

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var (stored, _, audit) = await TraceAsync(e.Id, organizer);
        Assert.Equal(EventState.Submitted, stored.State);
        Assert.False(stored.Published);
        Assert.Equal(["event.resubmitted"], audit);
    }

    // Before approval, and after rejection or withdrawal, the event is its organizer's and the
    // moderators' alone: not in the list, not in the feed, and its page is "not found" to others.
    [Theory]
    [InlineData(EventState.Submitted)]
    [InlineData(EventState.Rejected)]
    [InlineData(EventState.Withdrawn)]
    public async Task AnEventThatIsNotApprovedIsSeenOnlyByItsOrganizerAndModerators(EventState state)
    {
        var world = await World.CreateAsync(fixture);
        var organizer = await world.NewPersonAsync("organizer");
        var e = await world.NewEventAsync(state, organizer);

        foreach (var actor in Enum.GetValues<Actor>())
        {
            using var client = await ClientAsync(world, actor, organizer);
            using var page = await client.GetAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative));
            using var feed = await client.GetAsync(new Uri($"/api/events/{e.Id}.ics", UriKind.Relative));
            var mayKnow = actor is Actor.OwnOrganizer or Actor.Moderator or Actor.Admin;
            Assert.True(page.StatusCode == (mayKnow ? HttpStatusCode.OK : HttpStatusCode.NotFound), $"{actor}: {(int)page.StatusCode}");
            Assert.True(feed.StatusCode == (mayKnow ? HttpStatusCode.OK : HttpStatusCode.NotFound), $"{actor}: .ics {(int)feed.StatusCode}");
            Assert.DoesNotContain(e.Id, await ListedAsync(e.Title, client));
            var ics = await client.GetStringAsync(new Uri($"/api/events.ics?q={Uri.EscapeDataString(e.Title)}", UriKind.Relative));
            Assert.DoesNotContain(e.Id.ToString(), ics, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnApprovedEventIsSeenByEveryoneInTheListTheFeedAndItsPage()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        using var anonymous = fixture.App.CreateClient();

        using var page = await anonymous.GetAsync(new Uri($"/api/events/{e.Id}", UriKind.Relative));
        var ics = await anonymous.GetStringAsync(new Uri($"/api/events.ics?q={Uri.EscapeDataString(e.Title)}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(e.Id, await ListedAsync(e.Title, anonymous));
        Assert.Contains($"event-{e.Id}@ceremonies", ics, StringComparison.Ordinal);
    }

    private static EventRequest Request(CommunityEvent e, DateTime start) => new(
        e.Title, e.OrganizerName, DateTime.SpecifyKind(start, DateTimeKind.Unspecified), DateTime.SpecifyKind(start.AddHours(2), DateTimeKind.Unspecified),
        e.TimeZone, e.Address, e.City, e.Country, e.Capacity, e.Contact, e.Description, e.Languages);

    private async Task<List<Guid>> ListedAsync(string title, HttpClient? client = null)
    {
        using var anonymous = client is null ? fixture.App.CreateClient() : null;
        var answer = await (client ?? anonymous!).GetStringAsync(new Uri($"/api/events?q={Uri.EscapeDataString(title)}", UriKind.Relative));
        using var body = JsonDocument.Parse(answer);
        return [.. body.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
    }

    private static async Task<HttpClient> ClientAsync(World world, Actor actor, IdentityUser<Guid> organizer)
    {
        switch (actor)
        {
            case Actor.OwnOrganizer:
            {
                var client = world.Fixture.App.CreateClient();
                client.DefaultRequestHeaders.Authorization = new("Bearer", await World.TokenAsync(client, organizer.Email!));
                return client;
            }
            case Actor.OtherOrganizer:
            {
                await world.NewEventAsync(EventState.Approved, world.Person(Who.Organizer));
                return await world.ClientAsync(Who.Organizer);
            }
            default:
                return await world.ClientAsync(actor switch
                {
                    Actor.Moderator => Who.Moderator,
                    Actor.Admin => Who.Admin,
                    _ => Who.Anonymous,
                });
        }
    }

    // The event as stored, the mails its organizer got about it, and its audit entries.
    private Task<(CommunityEvent Event, List<string> Mails, List<string> Audit)> TraceAsync(Guid id, IdentityUser<Guid>? organizer) =>
        fixture.App.InScopeAsync<CeremoniesDb, (CommunityEvent, List<string>, List<string>)>(async db =>
        {
            var e = await db.Events.AsNoTracking().SingleAsync(x => x.Id == id);
            var key = $"event:{id}:";
            var mails = organizer is null ? [] : await db.Outbox.Where(m => m.IdempotencyKey.StartsWith(key) && m.Recipient == organizer.Email)
                .Select(m => m.BodyText).ToListAsync();
            var audit = await db.AuditLog.Where(a => a.EntityType == "event" && a.EntityId == id.ToString()).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
            return (e, mails, audit);
        });
}
