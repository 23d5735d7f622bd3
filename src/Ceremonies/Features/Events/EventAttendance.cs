using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Events;

public sealed class EventOptions
{
    public const string Section = "Events";

    // How long a seat that freed is held for the first person waiting before it passes on.
    [Range(1, 24 * 14)]
    public int OfferHours { get; set; } = 24;

    // How long a registration whose address was never confirmed is kept: then its name and address,
    // given by someone who did not confirm them, are deleted.
    [Range(1, 365)]
    public int UnconfirmedDays { get; set; } = 7;
}

public enum AttendanceRefusal
{
    None,
    NotFound,
    Closed,
    Expired,
}

public sealed record AttendanceOutcome(EventRegistration? Registration, CommunityEvent? Event, AttendanceRefusal Refusal = AttendanceRefusal.None)
{
    public int? WaitlistPosition { get; init; }
}

// People attend without an account: they register with a name and an address, confirm the address
// by the link mailed to it, and only then take a seat, or a place on the waitlist when the seats are
// gone. The capacity holds under any concurrency: each change that takes or frees a seat runs with
// the event's row locked (FOR UPDATE), so seats are counted and given out one change at a time.
// A seat that frees is offered to the first person waiting, for a limited time; an offer that
// lapses passes to the next (RunAsync, the recurring job event-offers). The changes of the event
// itself that touch its places (a new capacity, a withdrawal) take the same lock (EventActions).
public sealed class EventAttendance(
    CeremoniesDb db, TimeProvider clock, IOptions<SiteOptions> site, IOptions<EventOptions> options, IDataProtectionProvider protection)
{
    private readonly IDataProtector _links = protection.CreateProtector("Ceremonies.Events.Registration");

    public string TokenFor(Guid registrationId) => _links.Protect(registrationId.ToString("N"));

    // Always the same answer, whether the address was new, waiting for confirmation or already
    // in: nobody learns from it who registered. The address gets a link (again).
    public async Task<AttendanceOutcome> RegisterAsync(Guid eventId, string name, string email, CancellationToken cancellationToken)
    {
        var e = await db.Events.AsNoTracking().FirstOrDefaultAsync(x => x.Id == eventId && x.Published, cancellationToken);
        var now = clock.GetUtcNow();
        if (e is null)
        {
            return new(null, null, AttendanceRefusal.NotFound);
        }
        if (e.StartsAt <= now)
        {
            return new(null, e, AttendanceRefusal.Closed);
        }
        var address = email.Trim();
        var registration = await FindByAddressAsync(eventId, address, cancellationToken);
        if (registration is null)
        {
            registration = new EventRegistration
            {
                Id = Guid.CreateVersion7(now),
                EventId = eventId,
                Name = name.Trim(),
                Email = address,
                State = RegistrationState.Pending,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.EventRegistrations.Add(registration);
        }
        else if (registration.State is RegistrationState.Cancelled or RegistrationState.Lapsed)
        {
            // Coming back after giving the place up: in line again once the address is confirmed.
            registration.State = RegistrationState.Pending;
            registration.Name = name.Trim();
            registration.QueuedAt = null;
            registration.UpdatedAt = now;
        }
        db.Outbox.Add(Mail(e, registration, registration.State == RegistrationState.Pending ? "confirm" : "links", now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // The same address registered at the same moment; that registration sent its link.
            db.ChangeTracker.Clear();
        }
        return new(registration, e);
    }

    // The address is confirmed: a seat if one is free, else a place on the waitlist.
    public Task<AttendanceOutcome> ConfirmAsync(string token, CancellationToken cancellationToken) =>
        WithRegistrationAsync(token, async (registration, e, now) =>
        {
            if (registration.State != RegistrationState.Pending)
            {
                return new(registration, e);
            }
            if (e.StartsAt <= now || !e.Published)
            {
                return new(registration, e, AttendanceRefusal.Closed);
            }
            var taken = await SeatsTakenAsync(e.Id, cancellationToken);
            registration.State = taken < e.Capacity ? RegistrationState.Seated : RegistrationState.Waitlisted;
            registration.QueuedAt = now;
            registration.UpdatedAt = now;
            db.Outbox.Add(Mail(e, registration, registration.State == RegistrationState.Seated ? "seated" : "waitlisted", now));
            return new(registration, e);
        }, cancellationToken);

    // A seat that was offered is taken, while the offer lasts.
    public Task<AttendanceOutcome> AcceptOfferAsync(string token, CancellationToken cancellationToken) =>
        WithRegistrationAsync(token, (registration, e, now) =>
        {
            if (registration.State == RegistrationState.Seated)
            {
                return Task.FromResult(new AttendanceOutcome(registration, e));
            }
            if (!e.Published || e.StartsAt <= now)
            {
                return Task.FromResult(new AttendanceOutcome(registration, e, AttendanceRefusal.Closed));
            }
            if (registration.State != RegistrationState.Offered || registration.OfferExpiresAt <= now)
            {
                return Task.FromResult(new AttendanceOutcome(registration, e, AttendanceRefusal.Expired));
            }
            registration.State = RegistrationState.Seated;
            registration.OfferExpiresAt = null;
            registration.UpdatedAt = now;
            db.Outbox.Add(Mail(e, registration, "seated", now));
            return Task.FromResult(new AttendanceOutcome(registration, e));
        }, cancellationToken);

    // The person gives up their seat, offer or place in line; a seat they held goes to the next in line.
    public Task<AttendanceOutcome> CancelAsync(string token, CancellationToken cancellationToken) =>
        WithRegistrationAsync(token, async (registration, e, now) =>
        {
            if (registration.State is RegistrationState.Cancelled or RegistrationState.Lapsed)
            {
                return new(registration, e);
            }
            var freed = registration.TakesSeat;
            registration.State = RegistrationState.Cancelled;
            registration.OfferExpiresAt = null;
            registration.UpdatedAt = now;
            db.Outbox.Add(Mail(e, registration, "cancelled", now));
            if (freed)
            {
                await db.SaveChangesAsync(cancellationToken);
                await PassOnAsync(e, now, cancellationToken);
            }
            return new(registration, e);
        }, cancellationToken);

    public async Task<AttendanceOutcome> FindAsync(string token, CancellationToken cancellationToken)
    {
        if (ReadToken(token) is not { } id
            || await db.EventRegistrations.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken) is not { } registration)
        {
            return new(null, null, AttendanceRefusal.NotFound);
        }
        var e = await db.Events.AsNoTracking().FirstAsync(x => x.Id == registration.EventId, cancellationToken);
        return new(registration, e) { WaitlistPosition = await PositionAsync(registration, cancellationToken) };
    }

    // The events whose lapsed offers should pass on, or whose free seats (after a cancellation or a
    // larger capacity) should go to people waiting: the recurring job's work, and what catches up if a
    // process stopped between a change and its offers.
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var events = await db.Database.SqlQuery<Guid>($"""
            SELECT e.id AS "Value" FROM events e
             WHERE e.published AND e.starts_at > {now}
               AND (EXISTS (SELECT 1 FROM event_registrations r
                             WHERE r.event_id = e.id AND r.state = 'offered' AND r.offer_expires_at <= {now})
                 OR (EXISTS (SELECT 1 FROM event_registrations r WHERE r.event_id = e.id AND r.state = 'waitlisted')
                     AND (SELECT count(*) FROM event_registrations r
                           WHERE r.event_id = e.id AND r.state IN ('seated', 'offered')) < e.capacity))
             LIMIT 500
            """).ToListAsync(cancellationToken);
        var changed = 0;
        foreach (var eventId in events)
        {
            changed += await OfferSeatsAsync(eventId, cancellationToken);
        }
        return changed;
    }

    // Registrations never confirmed are deleted after a while (daily job event-registrations-pruning).
    // They hold no seat, so no lock is needed; a confirmation racing the deletion finds nothing (404).
    public Task<int> PruneUnconfirmedAsync(CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow().AddDays(-options.Value.UnconfirmedDays);
        return db.EventRegistrations.Where(r => r.State == RegistrationState.Pending && r.UpdatedAt < before).ExecuteDeleteAsync(cancellationToken);
    }

    // Under the event's lock: lapsed offers end, then free seats are offered to the first people waiting.
    public Task<int> OfferSeatsAsync(Guid eventId, CancellationToken cancellationToken) =>
        LockedAsync(eventId, async e =>
        {
            var changed = await PassOnAsync(e, clock.GetUtcNow(), cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return changed;
        }, cancellationToken);

    // Offers that lapsed end; the seats that are free go to the first people waiting, each an offer
    // for a limited time (never past the event's start). The caller holds the event's lock.
    private async Task<int> PassOnAsync(CommunityEvent e, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lapsed = await db.EventRegistrations
            .Where(r => r.EventId == e.Id && r.State == RegistrationState.Offered && r.OfferExpiresAt <= now)
            .ToListAsync(cancellationToken);
        foreach (var registration in lapsed)
        {
            registration.State = RegistrationState.Lapsed;
            registration.OfferExpiresAt = null;
            registration.UpdatedAt = now;
            db.Outbox.Add(Mail(e, registration, "lapsed", now));
        }
        if (lapsed.Count > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        if (!e.Published || e.StartsAt <= now)
        {
            return lapsed.Count;
        }
        var free = e.Capacity - await SeatsTakenAsync(e.Id, cancellationToken);
        if (free <= 0)
        {
            return lapsed.Count;
        }
        var next = await db.EventRegistrations
            .Where(r => r.EventId == e.Id && r.State == RegistrationState.Waitlisted)
            .OrderBy(r => r.QueuedAt).ThenBy(r => r.Id).Take(free)
            .ToListAsync(cancellationToken);
        foreach (var registration in next)
        {
            var until = now.AddHours(options.Value.OfferHours);
            registration.State = RegistrationState.Offered;
            registration.OfferExpiresAt = until < e.StartsAt ? until : e.StartsAt;
            registration.UpdatedAt = now;
            db.Outbox.Add(Mail(e, registration, "offered", now));
        }
        return lapsed.Count + next.Count;
    }

    private async Task<AttendanceOutcome> WithRegistrationAsync(
        string token, Func<EventRegistration, CommunityEvent, DateTimeOffset, Task<AttendanceOutcome>> change, CancellationToken cancellationToken)
    {
        if (ReadToken(token) is not { } id)
        {
            return new(null, null, AttendanceRefusal.NotFound);
        }
        var eventId = await db.EventRegistrations.Where(r => r.Id == id).Select(r => (Guid?)r.EventId).FirstOrDefaultAsync(cancellationToken);
        if (eventId is null)
        {
            return new(null, null, AttendanceRefusal.NotFound);
        }
        var outcome = await LockedAsync(eventId.Value, async e =>
        {
            var registration = await db.EventRegistrations.FirstAsync(r => r.Id == id, cancellationToken);
            var result = await change(registration, e, clock.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
            return result;
        }, cancellationToken);
        return outcome.Registration is { } r ? outcome with { WaitlistPosition = await PositionAsync(r, cancellationToken) } : outcome;
    }

    private Task<T> LockedAsync<T>(Guid eventId, Func<CommunityEvent, Task<T>> work, CancellationToken cancellationToken) =>
        db.WithEventLockedAsync(eventId, tracked: false, e => work(e!), cancellationToken); // a registration's event exists (foreign key)

    // When an offer ends, in the event's time and in UTC.
    private static string OfferEnd(CommunityEvent e, EventRegistration registration)
    {
        var end = registration.OfferExpiresAt ?? e.StartsAt;
        return $"{EventTexts.Moment(Infrastructure.Time.ZonedTime.ToLocal(end, e.TimeZone), e.TimeZone)}, {EventTexts.Moment(end.UtcDateTime, "UTC")}";
    }

    private Task<int> SeatsTakenAsync(Guid eventId, CancellationToken cancellationToken) =>
        db.EventRegistrations.HoldingSeats(eventId).CountAsync(cancellationToken);

    private async Task<int?> PositionAsync(EventRegistration registration, CancellationToken cancellationToken) =>
        registration.State != RegistrationState.Waitlisted ? null
            : 1 + await db.EventRegistrations.CountAsync(r => r.EventId == registration.EventId && r.State == RegistrationState.Waitlisted
                && (r.QueuedAt < registration.QueuedAt || (r.QueuedAt == registration.QueuedAt && r.Id.CompareTo(registration.Id) < 0)), cancellationToken);

    private Task<EventRegistration?> FindByAddressAsync(Guid eventId, string address, CancellationToken cancellationToken)
    {
        var lower = address.ToLowerInvariant();
#pragma warning disable CA1304, CA1311, CA1862 // translated to SQL lower(), which the unique index uses
        return db.EventRegistrations.FirstOrDefaultAsync(r => r.EventId == eventId && r.Email.ToLower() == lower, cancellationToken);
#pragma warning restore CA1304, CA1311, CA1862
    }

    private Guid? ReadToken(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 1000)
        {
            return null;
        }
        try
        {
            return Guid.TryParseExact(_links.Unprotect(token), "N", out var id) ? id : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private OutboxMessage Mail(CommunityEvent e, EventRegistration registration, string what, DateTimeOffset now)
    {
        var link = site.Value.Link($"events/registration?token={Uri.EscapeDataString(TokenFor(registration.Id))}");
        var (subject, body) = what switch
        {
            "confirm" => ($"Confirm your registration: {e.Title}",
                $"Someone, we hope you, registered this address for \"{e.Title}\". Open this link to confirm it and take a seat (or a place on the waitlist when the seats are gone):\n\n{link}\n\nIf it was not you, ignore this mail: nothing more will be sent."),
            "links" => ($"Your registration: {e.Title}",
                $"You asked for your registration's link again. See it, or give your place up, here:\n\n{link}"),
            "seated" => ($"You have a seat: {e.Title}",
                $"Your seat is kept for you. If you cannot come, give it up here so that someone waiting gets it:\n\n{link}"),
            "waitlisted" => ($"On the waitlist: {e.Title}",
                $"All seats are taken; you are on the waitlist. When a seat frees, the first person waiting is offered it by mail for a limited time.\n\n{link}"),
            "offered" => ($"A seat is free for you: {e.Title}",
                $"A seat freed and is held for you until {OfferEnd(e, registration)}. Take it here; after that it goes to the next person waiting:\n\n{link}"),
            "lapsed" => ($"The seat offered to you has passed on: {e.Title}",
                "The offer of a seat ended before it was taken, so it went to the next person waiting. You may register again from the event's page."),
            "cancelled" => ($"Registration cancelled: {e.Title}",
                "You gave up your place. Thank you for letting someone else have it."),
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, "unknown registration mail"),
        };
        var text = $"""
            Dear {registration.Name},

            {body}

            When:  {EventMails.When(e)}
            Where: {e.Address}, {e.City}, {e.Country}
            """;
        // A link asked for again is a new mail each time; every other mail is once per change.
        var key = what is "confirm" or "links"
            ? $"registration:{registration.Id}:{what}:{now.UtcTicks}"
            : $"registration:{registration.Id}:{what}:{registration.UpdatedAt.UtcTicks}";
        return OutboxMessage.Email(key, registration.Email, subject, text, null, now);
    }
}
