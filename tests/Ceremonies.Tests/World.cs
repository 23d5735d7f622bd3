using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Events;
using Ceremonies.Infrastructure.Time;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Subscriptions;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Ceremonies.Tests;

public enum Who
{
    Anonymous,
    Organizer,
    StaffOfAnotherVenue,
    Staff,
    Manager,
    Moderator,
    Admin,
}

// A memorial venue with a hall and its staff, a second venue with its own staff, and a person of
// every role, all freshly and uniquely named for the test that asks.
public sealed class World
{
    public const string Password = "Remember-2026";

    private readonly Dictionary<Who, IdentityUser<Guid>> _people = [];

    private World(AppFixture fixture) => Fixture = fixture;

    public AppFixture Fixture { get; }

    public required Venue Memorial { get; init; }

    public required Hall AssemblyHall { get; init; }

    public required Venue Paris { get; init; }

    public IdentityUser<Guid> Person(Who who) => _people[who];

    public static async Task<World> CreateAsync(AppFixture fixture)
    {
        var now = DateTimeOffset.UtcNow;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var memorial = NewVenue($"Memorial {tag}", "Khojaly", "AZ", "Asia/Baku", now);
        var paris = NewVenue($"Community house {tag}", "Paris", "FR", "Europe/Paris", now);
        var hall = new Hall
        {
            Id = Guid.CreateVersion7(), VenueId = memorial.Id, Name = "Assembly hall", Capacity = 300, SetupMinutes = 30,
            TeardownMinutes = 30, OpeningHours = [.. Enum.GetValues<DayOfWeek>().Select(d => new OpeningHours(d, new TimeOnly(8, 0), new TimeOnly(20, 0)))],
            CreatedAt = now, UpdatedAt = now,
        };
        var world = new World(fixture) { Memorial = memorial, AssemblyHall = hall, Paris = paris };
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Venues.AddRange(memorial, paris);
            db.Halls.Add(hall);
            return db.SaveChangesAsync();
        });
        foreach (var who in Enum.GetValues<Who>().Where(w => w != Who.Anonymous))
        {
            world._people[who] = await world.NewPersonAsync(who.ToString().ToLowerInvariant(), who switch
            {
                Who.Admin => Roles.Admin,
                Who.Moderator => Roles.Moderator,
                _ => null,
            });
        }
        await world.AddMemberAsync(paris.Id, world.Person(Who.StaffOfAnotherVenue), VenueRole.Staff);
        await world.AddMemberAsync(memorial.Id, world.Person(Who.Staff), VenueRole.Staff);
        await world.AddMemberAsync(memorial.Id, world.Person(Who.Manager), VenueRole.Manager);
        return world;
    }

    public async Task<IdentityUser<Guid>> NewPersonAsync(string label, string? role = null)
    {
        await using var scope = Fixture.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser<Guid>>>();
        var email = $"{label}-{Guid.NewGuid():N}@example.test";
        var user = new IdentityUser<Guid> { Id = Guid.CreateVersion7(), UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, Password);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        if (role is not null)
        {
            await users.AddToRoleAsync(user, role);
        }
        return user;
    }

    public Task AddMemberAsync(Guid venueId, IdentityUser<Guid> user, VenueRole role) =>
        Fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.VenueMemberships.Add(new VenueMembership { VenueId = venueId, UserId = user.Id, Role = role, CreatedAt = DateTimeOffset.UtcNow });
            return db.SaveChangesAsync();
        });

    private int _nextDay = 20;

    // A free day of the memorial's hall, further ahead each time: 10:00–11:00 local on it is free.
    public DateTime FreeDay() => DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(Interlocked.Increment(ref _nextDay)), DateTimeKind.Unspecified);

    public async Task<Booking> NewRequestAsync(IdentityUser<Guid>? asker = null)
    {
        asker ??= await NewPersonAsync("asker");
        var day = FreeDay();
        var zone = Memorial.TimeZone;
        var start = ZonedTime.Resolve(day.AddHours(10), zone)!.Value;
        var end = ZonedTime.Resolve(day.AddHours(11), zone)!.Value;
        var booking = Booking.New(AssemblyHall, new ZonedSpan(start, end), "Visit of a school class", BookingKind.Visit, 30,
            asker.Email!, null, asker.Id, byStaff: false, TimeSpan.FromDays(3), DateTimeOffset.UtcNow);
        await Fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Bookings.Add(booking);
            return db.SaveChangesAsync();
        });
        return booking;
    }

    public async Task<Blackout> NewBlackoutAsync()
    {
        var day = FreeDay();
        var blackout = new Blackout
        {
            Id = Guid.CreateVersion7(), HallId = AssemblyHall.Id, LocalStart = day, LocalEnd = day.AddDays(1), TimeZone = Memorial.TimeZone,
            StartsAt = ZonedTime.Resolve(day, Memorial.TimeZone)!.Value.Instant, EndsAt = ZonedTime.Resolve(day.AddDays(1), Memorial.TimeZone)!.Value.Instant,
            Reason = "Maintenance", CreatedBy = Person(Who.Manager).Id, CreatedAt = DateTimeOffset.UtcNow,
        };
        await Fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Blackouts.Add(blackout);
            return db.SaveChangesAsync();
        });
        return blackout;
    }

    public async Task<CalendarFeed> NewFeedAsync()
    {
        var feed = new CalendarFeed
        {
            Id = Guid.CreateVersion7(), HallId = AssemblyHall.Id, TokenHash = Guid.NewGuid().ToString("N"),
            CreatedBy = Person(Who.Manager).Id, CreatedAt = DateTimeOffset.UtcNow,
        };
        await Fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.CalendarFeeds.Add(feed);
            return db.SaveChangesAsync();
        });
        return feed;
    }

    // An outbox message in the given state, as the dispatcher would have left it: a dead or waiting
    // one carries the error of its last attempt. Its recipient is unique to it.
    public async Task<OutboxMessage> NewOutboxMessageAsync(
        OutboxState state = OutboxState.Dead, string? lastError = "550 5.1.1 No such user here", DateTimeOffset? dueAt = null,
        DateTimeOffset? deadline = null, DateTimeOffset? lockedUntil = null)
    {
        var now = DateTimeOffset.UtcNow;
        var to = $"outbox-{Guid.NewGuid():N}@example.test";
        var message = OutboxMessage.Email($"test:{to}", to, $"Reminder for {to}", "The observance begins at 17:00 Asia/Baku.", null, now,
            dueAt ?? now, deadline);
        message.State = state;
        message.Attempts = state == OutboxState.Sent ? 1 : lastError is null ? 0 : 3;
        message.LastError = state is OutboxState.Pending or OutboxState.Dead ? lastError : null;
        message.SentAt = state == OutboxState.Sent ? now : null;
        message.LockedBy = lockedUntil is null ? null : "another-node";
        message.LockedUntil = lockedUntil;
        await Fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Outbox.Add(message);
            return db.SaveChangesAsync();
        });
        return message;
    }

    // An observance whose day is a month ahead (17:00 Asia/Baku unless told), with the memorial as its host if asked.
    public async Task<Observance> NewObservanceAsync(bool hostedByMemorial = false, TimeOnly? silenceAt = null, SilenceMode mode = SilenceMode.OneInstant)
    {
        var day = DateTimeOffset.UtcNow.AddDays(30);
        var now = DateTimeOffset.UtcNow;
        var observance = new Observance
        {
            Id = Guid.CreateVersion7(), Name = $"Observance {Guid.NewGuid():N}"[..24], Month = day.Month, Day = day.Day,
            SilenceLocalTime = silenceAt ?? new TimeOnly(17, 0), ReferenceZone = "Asia/Baku", Mode = mode,
            HostVenueId = hostedByMemorial ? Memorial.Id : null, NoticeMinutesBefore = 1440, PrepareMinutesBefore = 10, SilenceSeconds = 60,
            CreatedAt = now, UpdatedAt = now,
        };
        await Fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Observances.Add(observance);
            return db.SaveChangesAsync();
        });
        return observance;
    }

    // That observance's occurrence this month, created as the API creates it.
    public async Task<Occurrence> NewOccurrenceAsync(bool hostedByMemorial = false, TimeOnly? silenceAt = null, SilenceMode mode = SilenceMode.OneInstant) =>
        await NewOccurrenceForAsync(await NewObservanceAsync(hostedByMemorial, silenceAt, mode));

    public async Task<Occurrence> NewOccurrenceForAsync(Observance observance)
    {
        await using var scope = Fixture.App.Services.CreateAsyncScope();
        var planning = scope.ServiceProvider.GetRequiredService<OccurrencePlanning>();
        var year = DateTimeOffset.UtcNow.AddDays(30).Year;
        return (await planning.EnsureAsync(observance, year, CancellationToken.None)).Occurrence;
    }

    // A community event of this organizer (a new one of their own unless told) a few weeks ahead,
    // 18:00–20:00 in Paris, in the given state; an approved one is listed. It holds the minute of
    // silence of its occurrence if told.
    public async Task<CommunityEvent> NewEventAsync(
        EventState state = EventState.Submitted, IdentityUser<Guid>? organizer = null, int capacity = 100, string? title = null,
        string city = "Paris", string country = "FR", string zone = "Europe/Paris", DateTime? localStart = null, Guid? occurrenceId = null,
        bool holdsSilence = false)
    {
        organizer ??= await NewPersonAsync("event-organizer");
        var now = DateTimeOffset.UtcNow;
        var local = localStart ?? DateTime.SpecifyKind(FreeDay().AddHours(18), DateTimeKind.Unspecified);
        var start = ZonedTime.Resolve(local, zone)!.Value;
        var end = ZonedTime.Resolve(local.AddHours(2), zone)!.Value;
        var e = new CommunityEvent
        {
            Id = Guid.CreateVersion7(), OrganizerId = organizer.Id, OrganizerName = "Community association", Title = title ?? $"Evening of remembrance {Guid.NewGuid():N}"[..40],
            Description = "Readings and a minute of silence.", Languages = ["az", "fr"], LocalStart = start.Local, LocalEnd = end.Local, TimeZone = zone,
            StartsAt = start.Instant, EndsAt = end.Instant, Address = "1 rue de la Paix", City = city, Country = country, OccurrenceId = occurrenceId,
            HoldsSilence = holdsSilence, Capacity = capacity, Contact = "contact@example.test", State = state, Published = state == EventState.Approved,
            SubmittedAt = now, CreatedAt = now, UpdatedAt = now,
        };
        await Fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Events.Add(e);
            return db.SaveChangesAsync();
        });
        return e;
    }

    // A confirmed registration for the event, and the token of its links.
    public async Task<(EventRegistration Registration, string Token)> NewRegistrationAsync(CommunityEvent e, RegistrationState state = RegistrationState.Seated)
    {
        var now = DateTimeOffset.UtcNow;
        var registration = new EventRegistration
        {
            Id = Guid.CreateVersion7(), EventId = e.Id, Name = "Aysel", Email = $"attendee-{Guid.NewGuid():N}@example.test", State = state,
            QueuedAt = state == RegistrationState.Pending ? null : now, OfferExpiresAt = state == RegistrationState.Offered ? now.AddHours(24) : null,
            CreatedAt = now, UpdatedAt = now,
        };
        await Fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.EventRegistrations.Add(registration);
            return db.SaveChangesAsync();
        });
        var token = await Fixture.App.InScopeAsync<EventAttendance, string>(a => Task.FromResult(a.TokenFor(registration.Id)));
        return (registration, token);
    }

    // A subscriber's reminders of the event, in Berlin's zone, a day and an hour before; and the
    // token of the links to change or stop them.
    public async Task<(Subscription Subscription, string Token)> NewSubscriptionAsync(CommunityEvent e, SubscriptionState state = SubscriptionState.Confirmed)
    {
        var now = DateTimeOffset.UtcNow;
        var subscription = new Subscription
        {
            Id = Guid.CreateVersion7(), Email = $"subscriber-{Guid.NewGuid():N}@example.test", TimeZone = "Europe/Berlin", Language = "en",
            Follows = Follows.Event, EventId = e.Id, OffsetMinutes = [1440, 60], State = state, CreatedAt = now, UpdatedAt = now,
            ConfirmedAt = state == SubscriptionState.Pending ? null : now, UnsubscribedAt = state == SubscriptionState.Unsubscribed ? now : null,
        };
        await Fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Subscriptions.Add(subscription);
            return db.SaveChangesAsync();
        });
        var token = await Fixture.App.InScopeAsync<SubscriptionLinks, string>(l => Task.FromResult(l.ManageToken(subscription.Id)));
        return (subscription, token);
    }

    // An API client signed in as this person with a bearer token, or anonymous.
    public async Task<HttpClient> ClientAsync(Who who, CeremoniesApp? app = null)
    {
        var client = (app ?? Fixture.App).CreateClient();
        if (who != Who.Anonymous)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(client, Person(who).Email!));
        }
        return client;
    }

    public static async Task<string> TokenAsync(HttpClient client, string email)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/api/account/login", UriKind.Relative), new { email, password = Password });
        Assert.True(response.IsSuccessStatusCode, $"sign-in of {email}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("accessToken").GetString()!; // the login answer always carries it
    }

    private static Venue NewVenue(string name, string city, string country, string zone, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(), Name = name, City = city, Country = country, TimeZone = zone, CreatedAt = now, UpdatedAt = now,
    };
}
