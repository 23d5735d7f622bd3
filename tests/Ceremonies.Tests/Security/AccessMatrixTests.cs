using System.Globalization;
using System.Net.Http.Json;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Events;
using Ceremonies.Features.Venues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Security;

// Every state-changing endpoint, called by every kind of person: the status each gets, and that a
// refused call changed nothing.
[Collection(AppTests.Name)]
public sealed class AccessMatrixTests(AppFixture fixture)
{
    // The account endpoints are open to everyone by design (register, sign in, reset); their
    // abuse limits are tested in AccountSecurityTests.
    private static readonly string[] OpenToAll = ["/api/account"];

    private sealed record Case(string Method, string Route, Func<World, Task<HttpRequestMessage>> Request, int[] Expected);

    // Expected status per person, in the order of Who: anonymous, organizer, staff of another
    // venue, staff, manager, moderator, admin.
    private static readonly Case[] Cases =
    [
        new("POST", "/api/venues", w => Json(HttpMethod.Post, "/api/venues", NewVenue()),
            [401, 403, 403, 403, 403, 403, 201]),
        new("PUT", "/api/venues/{id:guid}", w => Json(HttpMethod.Put, $"/api/venues/{w.Memorial.Id}", NewVenue() with { Country = "AZ", TimeZone = "Asia/Baku" }),
            [401, 403, 403, 403, 200, 403, 200]),
        new("POST", "/api/venues/{id:guid}/halls", w => Json(HttpMethod.Post, $"/api/venues/{w.Memorial.Id}/halls", NewHall()),
            [401, 403, 403, 403, 201, 403, 201]),
        new("PUT", "/api/halls/{id:guid}", w => Json(HttpMethod.Put, $"/api/halls/{w.AssemblyHall.Id}", NewHall()),
            [401, 403, 403, 403, 200, 403, 200]),
        new("POST", "/api/venues/{id:guid}/staff", async w =>
        {
            var newcomer = await w.NewPersonAsync("newcomer");
            return await Json(HttpMethod.Post, $"/api/venues/{w.Memorial.Id}/staff", new { email = newcomer.Email, role = "staff" });
        }, [401, 403, 403, 403, 201, 403, 201]),
        new("DELETE", "/api/venues/{id:guid}/staff/{userId:guid}", async w =>
        {
            var leaver = await w.NewPersonAsync("leaver");
            await w.AddMemberAsync(w.Memorial.Id, leaver, VenueRole.Staff);
            return new HttpRequestMessage(HttpMethod.Delete, new Uri($"/api/venues/{w.Memorial.Id}/staff/{leaver.Id}", UriKind.Relative));
        }, [401, 403, 403, 403, 204, 403, 204]),
        // Anyone signed in may ask for a hall; the venue's staff book it outright.
        new("POST", "/api/halls/{hallId:guid}/bookings", w =>
        {
            var day = w.FreeDay();
            return Json(HttpMethod.Post, $"/api/halls/{w.AssemblyHall.Id}/bookings", new
            {
                title = "Commemoration evening", kind = "commemorationCeremony", attendees = 80, contact = "contact@example.test",
                start = day.AddHours(10), end = day.AddHours(11),
            });
        }, [401, 201, 201, 201, 201, 201, 201]),
        // Someone else's request: invisible to all but the venue's staff.
        new("PATCH", "/api/bookings/{id:guid}", async w =>
            await Json(HttpMethod.Patch, $"/api/bookings/{(await w.NewRequestAsync()).Id}", new { title = "Visit of two school classes" }),
            [401, 404, 404, 200, 200, 404, 200]),
        new("POST", "/api/bookings/{id:guid}/confirm", async w =>
            await Json(HttpMethod.Post, $"/api/bookings/{(await w.NewRequestAsync()).Id}/confirm", new { reason = "Welcome." }),
            [401, 404, 404, 200, 200, 404, 200]),
        new("POST", "/api/bookings/{id:guid}/decline", async w =>
            await Json(HttpMethod.Post, $"/api/bookings/{(await w.NewRequestAsync()).Id}/decline", new { reason = "The hall is prepared for the ceremony." }),
            [401, 404, 404, 200, 200, 404, 200]),
        new("POST", "/api/bookings/{id:guid}/cancel", async w =>
            await Json(HttpMethod.Post, $"/api/bookings/{(await w.NewRequestAsync()).Id}/cancel", new { reason = "Plans changed." }),
            [401, 404, 404, 200, 200, 404, 200]),
        new("POST", "/api/halls/{hallId:guid}/blackouts", w =>
        {
            var day = w.FreeDay();
            return Json(HttpMethod.Post, $"/api/halls/{w.AssemblyHall.Id}/blackouts", new { start = day, end = day.AddDays(1), reason = "Maintenance" });
        }, [401, 403, 403, 201, 201, 403, 201]),
        new("DELETE", "/api/blackouts/{id:guid}", async w =>
            new HttpRequestMessage(HttpMethod.Delete, new Uri($"/api/blackouts/{(await w.NewBlackoutAsync()).Id}", UriKind.Relative)),
            [401, 404, 404, 204, 204, 404, 204]),
        new("POST", "/api/halls/{hallId:guid}/calendar-feeds", w =>
            Task.FromResult(new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/halls/{w.AssemblyHall.Id}/calendar-feeds", UriKind.Relative))),
            [401, 403, 403, 201, 201, 403, 201]),
        // Reads under a public parent: whoever may see the venue or hall but not this part of it gets 403.
        new("GET", "/api/venues/{id:guid}/staff", w => Get($"/api/venues/{w.Memorial.Id}/staff"), [401, 403, 403, 200, 200, 403, 200]),
        new("GET", "/api/halls/{hallId:guid}/bookings", w => Get($"/api/halls/{w.AssemblyHall.Id}/bookings"), [401, 403, 403, 200, 200, 403, 200]),
        new("GET", "/api/halls/{hallId:guid}/blackouts", w => Get($"/api/halls/{w.AssemblyHall.Id}/blackouts"), [401, 403, 403, 200, 200, 403, 200]),
        new("GET", "/api/halls/{hallId:guid}/calendar-feeds", w => Get($"/api/halls/{w.AssemblyHall.Id}/calendar-feeds"), [401, 403, 403, 200, 200, 403, 200]),
        new("DELETE", "/api/calendar-feeds/{id:guid}", async w =>
            new HttpRequestMessage(HttpMethod.Delete, new Uri($"/api/calendar-feeds/{(await w.NewFeedAsync()).Id}", UriKind.Relative)),
            [401, 404, 404, 204, 204, 404, 204]),
        // The operators' API is the admins' alone; a retry takes a message that was given up.
        new("GET", "/api/admin/outbox", _ => Get("/api/admin/outbox"), [401, 403, 403, 403, 403, 403, 200]),
        new("GET", "/api/admin/jobs", _ => Get("/api/admin/jobs"), [401, 403, 403, 403, 403, 403, 200]),
        new("POST", "/api/admin/outbox/{id:guid}/retry", async w =>
            new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/admin/outbox/{(await w.NewOutboxMessageAsync()).Id}/retry", UriKind.Relative)),
            [401, 403, 403, 403, 403, 403, 202]),
        // Observances are the admins' to define; a venue takes part by its managers' choice, and
        // its staff acknowledge it is ready.
        new("POST", "/api/observances", _ => Json(HttpMethod.Post, "/api/observances", new
            {
                name = "Remembrance day", month = 2, day = 26, silenceLocalTime = "17:00:00", referenceZone = "Asia/Baku",
            }),
            [401, 403, 403, 403, 403, 403, 201]),
        new("PUT", "/api/observances/{id:guid}", async w => await Json(HttpMethod.Put, $"/api/observances/{(await w.NewObservanceAsync()).Id}", new
            {
                name = "Remembrance day", month = 2, day = 26, silenceLocalTime = "18:00:00", referenceZone = "Asia/Baku",
            }),
            [401, 403, 403, 403, 403, 403, 200]),
        new("POST", "/api/observances/{id:guid}/occurrences/{year:int}", async w =>
            new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/observances/{(await w.NewObservanceAsync()).Id}/occurrences/{DateTimeOffset.UtcNow.AddDays(30).Year}", UriKind.Relative)),
            [401, 403, 403, 403, 403, 403, 201]),
        new("POST", "/api/occurrences/{id:guid}/venues", async w =>
            await Json(HttpMethod.Post, $"/api/occurrences/{(await w.NewOccurrenceAsync()).Id}/venues", new { venueId = w.Memorial.Id }),
            [401, 403, 403, 403, 201, 403, 201]),
        new("POST", "/api/venues/{id:guid}/readiness", async w =>
            await Json(HttpMethod.Post, $"/api/venues/{w.Memorial.Id}/readiness", new { occurrenceId = (await w.NewOccurrenceAsync(hostedByMemorial: true)).Id }),
            [401, 403, 403, 200, 200, 403, 200]),
        new("GET", "/api/occurrences/{id:guid}/board", async w =>
            await Get($"/api/occurrences/{(await w.NewOccurrenceAsync(hostedByMemorial: true)).Id}/board"),
            [401, 403, 403, 403, 200, 403, 200]),
        // Community events: anyone signed in submits; an event waiting for review is invisible to all
        // but its organizer and moderators; only its organizer (or an admin) changes or withdraws it;
        // moderators decide. Attending needs no account, only the token of the mailed links.
        new("POST", "/api/events", _ => Json(HttpMethod.Post, "/api/events", NewEvent()), [401, 201, 201, 201, 201, 201, 201]),
        new("PUT", "/api/events/{id:guid}", async w => await Json(HttpMethod.Put, $"/api/events/{(await w.NewEventAsync()).Id}", NewEvent()),
            [401, 404, 404, 404, 404, 403, 200]),
        new("DELETE", "/api/events/{id:guid}", async w =>
            new HttpRequestMessage(HttpMethod.Delete, new Uri($"/api/events/{(await w.NewEventAsync()).Id}", UriKind.Relative)),
            [401, 404, 404, 404, 404, 403, 200]),
        new("POST", "/api/events/{id:guid}/approve", async w =>
            new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/events/{(await w.NewEventAsync()).Id}/approve", UriKind.Relative)),
            [401, 403, 403, 403, 403, 200, 200]),
        new("POST", "/api/events/{id:guid}/reject", async w =>
            await Json(HttpMethod.Post, $"/api/events/{(await w.NewEventAsync()).Id}/reject", new { reason = "Not a commemoration." }),
            [401, 403, 403, 403, 403, 200, 200]),
        new("POST", "/api/events/{id:guid}/registrations", async w =>
            await Json(HttpMethod.Post, $"/api/events/{(await w.NewEventAsync(EventState.Approved)).Id}/registrations",
                new { name = "Aysel", email = $"attendee-{Guid.NewGuid():N}@example.test" }),
            [202, 202, 202, 202, 202, 202, 202]),
        new("POST", "/api/registrations/confirm", async w =>
            await Json(HttpMethod.Post, "/api/registrations/confirm", new { token = (await w.NewRegistrationAsync(await w.NewEventAsync(EventState.Approved), RegistrationState.Pending)).Token }),
            [200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/registrations/accept", async w =>
            await Json(HttpMethod.Post, "/api/registrations/accept", new { token = (await w.NewRegistrationAsync(await w.NewEventAsync(EventState.Approved), RegistrationState.Offered)).Token }),
            [200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/registrations/cancel", async w =>
            await Json(HttpMethod.Post, "/api/registrations/cancel", new { token = (await w.NewRegistrationAsync(await w.NewEventAsync(EventState.Approved))).Token }),
            [200, 200, 200, 200, 200, 200, 200]),
        // Reminders need no account either: anyone asks for them, which only mails a confirmation; the
        // token of the subscriber's own links changes or stops them.
        new("POST", "/api/subscriptions", async w =>
            await Json(HttpMethod.Post, "/api/subscriptions", new
            {
                email = $"subscriber-{Guid.NewGuid():N}@example.test", timeZone = "Asia/Baku", follows = "event",
                eventId = (await w.NewEventAsync(EventState.Approved)).Id, offsetMinutes = new[] { 1440, 60 },
            }),
            [202, 202, 202, 202, 202, 202, 202]),
        new("POST", "/api/subscriptions/unsubscribe", async w =>
            new HttpRequestMessage(HttpMethod.Post, new Uri(
                $"/api/subscriptions/unsubscribe?token={Uri.EscapeDataString((await w.NewSubscriptionAsync(await w.NewEventAsync(EventState.Approved))).Token)}", UriKind.Relative)),
            [200, 200, 200, 200, 200, 200, 200]),
        new("PUT", "/api/subscriptions/preferences", async w =>
        {
            var e = await w.NewEventAsync(EventState.Approved);
            var (_, token) = await w.NewSubscriptionAsync(e);
            return await Json(HttpMethod.Put, $"/api/subscriptions/preferences?token={Uri.EscapeDataString(token)}",
                new { timeZone = "Europe/Paris", follows = "event", eventId = e.Id, offsetMinutes = new[] { 15 } });
        }, [200, 200, 200, 200, 200, 200, 200]),
        // The attendee list is the organizer's (and admins'); a moderator sees the event but not who comes.
        new("GET", "/api/events/{id:guid}/registrations", async w => await Get($"/api/events/{(await w.NewEventAsync()).Id}/registrations"),
            [401, 404, 404, 404, 404, 403, 200]),
        new("GET", "/api/events/{id:guid}/registrations.csv", async w => await Get($"/api/events/{(await w.NewEventAsync()).Id}/registrations.csv"),
            [401, 404, 404, 404, 404, 403, 200]),
        new("GET", "/api/events/queue", _ => Get("/api/events/queue"), [401, 403, 403, 403, 403, 200, 200]),
    ];

    [Fact]
    public void EveryStateChangingEndpointIsInTheMatrix()
    {
        var endpoints = fixture.App.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true
                && !OpenToAll.Any(open => e.RoutePattern.RawText.StartsWith(open, StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Where(m => m is not ("GET" or "HEAD"))
                .Select(m => $"{m} {e.RoutePattern.RawText?.TrimEnd('/')}"))
            .ToHashSet();

        var covered = Cases.Select(c => $"{c.Method} {c.Route}").ToHashSet();

        Assert.Empty(endpoints.Except(covered));
    }

    // A parent that does not exist is a 404 for everyone signed in, admins included.
    [Theory]
    [InlineData("/api/venues/{0}/staff")]
    [InlineData("/api/halls/{0}/bookings")]
    [InlineData("/api/halls/{0}/blackouts")]
    [InlineData("/api/halls/{0}/calendar-feeds")]
    public async Task AReadUnderAParentThatDoesNotExistIsNotFound(string path)
    {
        var world = await World.CreateAsync(fixture);
        var uri = new Uri(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, Guid.NewGuid()), UriKind.Relative);

        foreach (var who in new[] { Who.Organizer, Who.Staff, Who.Admin })
        {
            using var client = await world.ClientAsync(who);
            using var response = await client.GetAsync(uri);
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.NotFound, $"{who}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task EachPersonGetsTheExpectedStatusAndARefusalChangesNothing()
    {
        var world = await World.CreateAsync(fixture);
        var clients = new Dictionary<Who, HttpClient>();
        foreach (var who in Enum.GetValues<Who>())
        {
            clients[who] = await world.ClientAsync(who);
        }
        var failures = new List<string>();

        foreach (var @case in Cases)
        {
            foreach (var who in Enum.GetValues<Who>())
            {
                var expected = @case.Expected[(int)who];
                using var request = await @case.Request(world);
                var before = await FingerprintAsync(world);
                using var response = await clients[who].SendAsync(request);
                var after = await FingerprintAsync(world);

                var status = (int)response.StatusCode;
                if (status != expected)
                {
                    failures.Add($"{@case.Method} {@case.Route} as {who}: {status}, expected {expected}: {await response.Content.ReadAsStringAsync()}");
                }
                if (expected >= 400 && before != after)
                {
                    failures.Add($"{@case.Method} {@case.Route} as {who} was refused but changed data");
                }
                if (expected >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{@case.Method} {@case.Route} as {who}: refusal is not problem+json");
                }
            }
        }
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private Task<string> FingerprintAsync(World world) => fixture.App.InScopeAsync<CeremoniesDb, string>(async db =>
    {
        var ids = new[] { world.Memorial.Id, world.Paris.Id };
        var venues = await db.Venues.AsNoTracking().Where(v => ids.Contains(v.Id)).OrderBy(v => v.Id).Select(v => $"{v.Id}:{v.Version}").ToListAsync();
        var halls = await db.Halls.AsNoTracking().Where(h => ids.Contains(h.VenueId)).OrderBy(h => h.Id).Select(h => $"{h.Id}:{h.Version}").ToListAsync();
        var members = await db.VenueMemberships.AsNoTracking().Where(m => ids.Contains(m.VenueId))
            .OrderBy(m => m.VenueId).ThenBy(m => m.UserId).Select(m => $"{m.VenueId}:{m.UserId}:{m.Role}").ToListAsync();
        var hall = world.AssemblyHall.Id;
        var bookings = await db.Bookings.AsNoTracking().Where(b => b.HallId == hall).OrderBy(b => b.Id).Select(b => $"{b.Id}:{b.Version}").ToListAsync();
        var blackouts = await db.Blackouts.AsNoTracking().Where(b => b.HallId == hall).OrderBy(b => b.Id).Select(b => $"{b.Id}").ToListAsync();
        var feeds = await db.CalendarFeeds.AsNoTracking().Where(f => f.HallId == hall).OrderBy(f => f.Id).Select(f => $"{f.Id}:{f.RevokedAt}").ToListAsync();
        var venueCount = await db.Venues.CountAsync();
        var audit = await db.AuditLog.CountAsync();
        var outbox = await db.Outbox.CountAsync();
        var dead = await db.Outbox.CountAsync(m => m.State == OutboxState.Dead);
        var events = $"events={await db.Events.CountAsync()}:{await db.Events.SumAsync(e => e.Sequence)}:{await db.Events.CountAsync(e => e.Published)}";
        var registrations = string.Join(",", await db.EventRegistrations.GroupBy(r => r.State).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}").ToListAsync());
        return string.Join("|", [.. venues, .. halls, .. members, .. bookings, .. blackouts, .. feeds, $"venues={venueCount}", $"audit={audit}", $"outbox={outbox}", $"dead={dead}", events, registrations]);
    });

    private static VenueRequest NewVenue() => new(
        $"Venue {Guid.NewGuid():N}", "Baku", "AZ", "Asia/Baku", "Example street 1", "contact@example.test", null, null);

    private static object NewEvent() => new
    {
        title = "Evening of remembrance", organizerName = "Community association", start = DateTime.UtcNow.Date.AddDays(40).AddHours(18).ToString("s", CultureInfo.InvariantCulture),
        end = DateTime.UtcNow.Date.AddDays(40).AddHours(20).ToString("s", CultureInfo.InvariantCulture), timeZone = "Europe/Paris", address = "1 rue de la Paix", city = "Paris", country = "FR",
        capacity = 80, contact = "contact@example.test", languages = new[] { "fr", "az" },
    };

    private static object NewHall() => new
    {
        name = $"Hall {Guid.NewGuid():N}",
        capacity = 300,
        setupMinutes = 30,
        teardownMinutes = 30,
        openingHours = Enum.GetNames<DayOfWeek>().Select(d => new { day = d.ToLowerInvariant(), opens = "08:00:00", closes = "20:00:00" }),
    };

    private static Task<HttpRequestMessage> Get(string path) => Task.FromResult(new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative)));

    private static Task<HttpRequestMessage> Json(HttpMethod method, string path, object body) =>
        Task.FromResult(new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) });
}
