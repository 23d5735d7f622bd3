using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Observances;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Security;
using Ceremonies.Infrastructure.Time;
using Ceremonies.Infrastructure.Validation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Events;

public enum EventRefusal
{
    None,
    NotFound,
    Forbidden,
    Conflict,
    Invalid,
    Stale,
}

// What an action on an event came to: the event as it now is, or why not. The API maps it to a
// status, a page to its form.
public sealed record EventOutcome(CommunityEvent? Event, EventRefusal Refusal = EventRefusal.None, string? Message = null,
    IReadOnlyDictionary<string, string[]>? Errors = null)
{
    // What the person may do about a conflict.
    public string? Detail { get; init; }

    public static EventOutcome Done(CommunityEvent e) => new(e);
    public static EventOutcome NotFound() => new(null, EventRefusal.NotFound);
    public static EventOutcome Forbidden(string message) => new(null, EventRefusal.Forbidden, message);
    public static EventOutcome Conflict(string message, string? detail = null) => new(null, EventRefusal.Conflict, message) { Detail = detail };
    public static EventOutcome Stale() => new(null, EventRefusal.Stale);
    public static EventOutcome Invalid(Dictionary<string, string[]> errors) => new(null, EventRefusal.Invalid, "This event cannot be saved as it stands.", errors);
    public static EventOutcome Invalid(string field, string message) => Invalid(new() { [field] = [message] });
}

// Who may see an event: everyone once a moderator approved it (and while a change of it waits for
// review); before that, and after it is rejected or withdrawn, only its organizer and moderators.
public static class EventVisibility
{
    public static bool MaySee(this ClaimsPrincipal user, CommunityEvent e) =>
        e.Published || (user.UserId is { } me && me == e.OrganizerId) || user.IsModerator;

    public static bool IsOrganizerOf(this ClaimsPrincipal user, CommunityEvent e) => user.UserId is { } me && me == e.OrganizerId;

    public static IQueryable<CommunityEvent> Listed(this IQueryable<CommunityEvent> events) => events.Where(e => e.Published);
}

// Submitting, changing and moderating events: one place for the API and the pages. Any signed-in
// person (their address is confirmed: sign-in requires it) may organize events. The organizer
// changes and withdraws their own events, moderators approve and reject them, admins may do all.
// Each change is audited and mails the organizer through the outbox in the same transaction.
public sealed class EventActions(CeremoniesDb db, TimeProvider clock, IOptions<SiteOptions> site, EventAttendance attendance, EventHall hall)
{
    public async Task<CommunityEvent?> FindVisibleAsync(ClaimsPrincipal user, Guid id, CancellationToken cancellationToken)
    {
        var e = await db.Events.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, cancellationToken);
        return e is not null && user.MaySee(e) ? e : null;
    }

    public async Task<EventOutcome> SubmitAsync(ClaimsPrincipal user, EventRequest request, CancellationToken cancellationToken)
    {
        if (user.UserId is not { } organizer)
        {
            return EventOutcome.Forbidden("Sign in to submit an event.");
        }
        var now = clock.GetUtcNow();
        var (span, refused) = await CheckAsync(request, now, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }
        Bookings.Booking? booking = null;
        if (request.HallId is { } hallId)
        {
            (booking, refused) = await hall.BookAsync(user, hallId, span, request.Title.Trim(), request.Capacity, now, cancellationToken);
            if (refused is not null)
            {
                return refused;
            }
        }
        var e = new CommunityEvent
        {
            Id = Guid.CreateVersion7(now),
            HallId = booking?.HallId,
            BookingId = booking?.Id,
            OrganizerId = organizer,
            OrganizerName = request.OrganizerName.Trim(),
            Title = request.Title.Trim(),
            Description = request.Description.Trim(),
            Languages = Languages(request),
            LocalStart = span.Start.Local,
            LocalEnd = span.End.Local,
            TimeZone = span.Start.Zone,
            StartsAt = span.Start.Instant,
            EndsAt = span.End.Instant,
            Address = request.Address.Trim(),
            City = request.City.Trim(),
            Country = request.Country,
            OccurrenceId = request.OccurrenceId,
            HoldsSilence = request.HoldsSilence,
            Capacity = request.Capacity,
            Contact = request.Contact.Trim(),
            State = EventState.Submitted,
            SubmittedAt = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Events.Add(e);
        db.Audit(user, "event.submitted", "event", e.Id, null, EventView.Of(e), now);
        await EventMails.ToOrganizerAsync(db, e, "submitted", site.Value, now, cancellationToken);
        return await SaveAsync(e, cancellationToken);
    }

    // A whole new version of the event (PUT). A change of its time, place or text, or a new claim to
    // hold an occurrence's minute of silence, sends an approved event back to review (it stays
    // listed, marked as changed) and a rejected one to review again; registered attendees hear when
    // its time or place moved.
    public async Task<EventOutcome> ChangeAsync(ClaimsPrincipal user, Guid id, EventRequest request, uint? expectedVersion, CancellationToken cancellationToken)
    {
        var capacityBefore = 0;
        // Under the event's lock: the seats counted against a smaller capacity, and the attendees told
        // of a move, are those of this moment; a confirmation waits until the change is in.
        var outcome = await db.WithEventLockedAsync(id, tracked: true, e =>
        {
            capacityBefore = e?.Capacity ?? 0;
            return ChangeLockedAsync(user, e, request, expectedVersion, cancellationToken);
        }, cancellationToken);
        if (outcome.Event is { } changed && changed.Capacity > capacityBefore)
        {
            // New seats go to the people waiting. Should this process stop first, the recurring
            // job (event-offers) finds the free seats and offers them.
            await attendance.OfferSeatsAsync(changed.Id, cancellationToken);
        }
        return outcome;
    }

    private async Task<EventOutcome> ChangeLockedAsync(
        ClaimsPrincipal user, CommunityEvent? e, EventRequest request, uint? expectedVersion, CancellationToken cancellationToken)
    {
        if (e is null || !user.MaySee(e))
        {
            return EventOutcome.NotFound();
        }
        if (!user.IsOrganizerOf(e) && !user.IsAdmin)
        {
            return EventOutcome.Forbidden("Only the event's organizer changes it.");
        }
        if (e.State == EventState.Withdrawn)
        {
            return EventOutcome.Conflict("A withdrawn event cannot be changed.");
        }
        if (expectedVersion is { } v && v != e.Version)
        {
            return EventOutcome.Stale();
        }
        var now = clock.GetUtcNow();
        if (e.IsOver(now))
        {
            return EventOutcome.Conflict("This event is over and cannot be changed.");
        }
        var (span, refused) = await CheckAsync(request, now, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }
        if (request.HallId is { } asked && asked != e.HallId)
        {
            return EventOutcome.Invalid("hallId", "The hall is chosen when the event is submitted; to hold it elsewhere, withdraw it and submit it again.");
        }
        if (request.Capacity < e.Capacity)
        {
            var taken = await db.EventRegistrations.HoldingSeats(e.Id).CountAsync(cancellationToken);
            if (request.Capacity < taken)
            {
                return EventOutcome.Invalid("capacity", $"{taken} people already have seats: the capacity cannot be less.");
            }
        }
        var before = EventView.Of(e);
        var moved = span.Start.Instant != e.StartsAt || span.End.Instant != e.EndsAt || span.Start.Zone != e.TimeZone
            || request.Address.Trim() != e.Address || request.City.Trim() != e.City || request.Country != e.Country;
        var reworded = request.Title.Trim() != e.Title || request.Description.Trim() != e.Description || request.OrganizerName.Trim() != e.OrganizerName;
        // Holding an occurrence's minute puts the event on that occurrence's public page: a moderator
        // approves the claim as they approve its time and place. Giving it up needs no review.
        var claimsMinute = request.HoldsSilence && (!e.HoldsSilence || request.OccurrenceId != e.OccurrenceId);
        e.Title = request.Title.Trim();
        e.OrganizerName = request.OrganizerName.Trim();
        e.Description = request.Description.Trim();
        e.Languages = Languages(request);
        e.Place(span);
        e.Address = request.Address.Trim();
        e.City = request.City.Trim();
        e.Country = request.Country;
        e.OccurrenceId = request.OccurrenceId;
        e.HoldsSilence = request.HoldsSilence;
        e.Capacity = request.Capacity;
        e.Contact = request.Contact.Trim();
        e.UpdatedAt = now;
        var review = (moved || reworded || claimsMinute) && e.State is EventState.Approved or EventState.Rejected;
        if (review)
        {
            e.MoveTo(EventState.Submitted, user.UserId, null, now);
            // A listed event that moved stays listed, marked as changed, so that its public keeps
            // finding it; new words are not shown to the public before a moderator has read them.
            e.Published &= !reworded;
            await EventMails.ToOrganizerAsync(db, e, "resubmitted", site.Value, now, cancellationToken);
        }
        else
        {
            e.Sequence++;
        }
        if (moved)
        {
            await AttendeeMails.TellAsync(db, e, "moved", site.Value, now, cancellationToken);
        }
        if (await KeepHallAsync(user, e, before, moved, now, cancellationToken) is { } hallRefused)
        {
            return hallRefused;
        }
        db.Audit(user, review ? "event.resubmitted" : moved ? "event.moved" : "event.changed", "event", e.Id, before, EventView.Of(e), now);
        return await SaveAsync(e, cancellationToken);
    }

    public const int MaxReason = 1000;

    // A moderator decides on the version they read (expectedVersion, when given): an event changed
    // since is refused as stale rather than approved unseen.
    public Task<EventOutcome> ApproveAsync(ClaimsPrincipal user, Guid id, string? note, CancellationToken cancellationToken, uint? expectedVersion = null) =>
        note?.Length > MaxReason
            ? Task.FromResult(EventOutcome.Invalid("reason", $"Write at most {MaxReason} characters."))
            : ModerateAsync(user, id, EventState.Approved, note, expectedVersion, cancellationToken);

    public Task<EventOutcome> RejectAsync(ClaimsPrincipal user, Guid id, string? reason, CancellationToken cancellationToken, uint? expectedVersion = null) =>
        string.IsNullOrWhiteSpace(reason)
            ? Task.FromResult(EventOutcome.Invalid("reason", "Say why the event is not approved: its organizer reads it."))
            : reason.Length > MaxReason
                ? Task.FromResult(EventOutcome.Invalid("reason", $"Write at most {MaxReason} characters."))
                : ModerateAsync(user, id, EventState.Rejected, reason, expectedVersion, cancellationToken);

    // The organizer withdraws their event (an admin may too); its attendees hear it is cancelled.
    public Task<EventOutcome> WithdrawAsync(ClaimsPrincipal user, Guid id, string? reason, CancellationToken cancellationToken) =>
        db.WithEventLockedAsync(id, tracked: true, async e =>
        {
            if (e is null || !user.MaySee(e))
            {
                return EventOutcome.NotFound();
            }
            if (!user.IsOrganizerOf(e) && !user.IsAdmin)
            {
                return EventOutcome.Forbidden("Only the event's organizer withdraws it.");
            }
            return await MoveAsync(user, e, EventState.Withdrawn, reason, cancellationToken);
        }, cancellationToken);

    private Task<EventOutcome> ModerateAsync(ClaimsPrincipal user, Guid id, EventState next, string? reason, uint? expectedVersion, CancellationToken cancellationToken) =>
        db.WithEventLockedAsync(id, tracked: true, async e =>
        {
            if (e is null || !user.MaySee(e))
            {
                return EventOutcome.NotFound();
            }
            if (!user.IsModerator)
            {
                return EventOutcome.Forbidden("Moderators approve and reject events.");
            }
            if (expectedVersion is { } v && v != e.Version)
            {
                return EventOutcome.Stale();
            }
            return await MoveAsync(user, e, next, reason, cancellationToken);
        }, cancellationToken);

    private async Task<EventOutcome> MoveAsync(ClaimsPrincipal user, CommunityEvent e, EventState next, string? reason, CancellationToken cancellationToken)
    {
        if (!e.CanMoveTo(next))
        {
            return EventOutcome.Conflict($"A {EventMails.Word(e.State)} event cannot be {EventMails.Word(next)}.");
        }
        var now = clock.GetUtcNow();
        var before = EventView.Of(e);
        var wasListed = e.Published;
        e.MoveTo(next, user.UserId, reason?.Trim(), now);
        db.Audit(user, $"event.{EventMails.Word(next)}", "event", e.Id, before, EventView.Of(e), now);
        if (next is EventState.Withdrawn or EventState.Rejected)
        {
            await hall.ReleaseAsync(user, e, $"The community event was {EventMails.Word(next)}.", now, cancellationToken);
        }
        await EventMails.ToOrganizerAsync(db, e, EventMails.Word(next), site.Value, now, cancellationToken);
        if (wasListed && !e.Published && !e.IsOver(now))
        {
            // Everyone still in hears it is cancelled, and their places end with it: nobody keeps a
            // seat, or takes an offered one, at an event that no longer takes place.
            await AttendeeMails.TellAsync(db, e, "cancelled", site.Value, now, cancellationToken);
            var places = await db.EventRegistrations.Where(r => r.EventId == e.Id && (r.State == RegistrationState.Seated
                    || r.State == RegistrationState.Waitlisted || r.State == RegistrationState.Offered || r.State == RegistrationState.Pending))
                .ToListAsync(cancellationToken);
            foreach (var place in places)
            {
                place.State = RegistrationState.Cancelled;
                place.OfferExpiresAt = null;
                place.UpdatedAt = now;
            }
        }
        return await SaveAsync(e, cancellationToken);
    }

    // An event in a hall keeps its booking in step: a rejected one sent again books the hall again;
    // a move or a new capacity moves the booking, by the booking rules.
    private async Task<EventOutcome?> KeepHallAsync(ClaimsPrincipal user, CommunityEvent e, EventView before, bool moved, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (e.HallId is not { } hallId)
        {
            return null;
        }
        if (before.State == EventState.Rejected && e.State == EventState.Submitted)
        {
            var span = new ZonedSpan(new ZonedTime(e.LocalStart, e.TimeZone, e.StartsAt), new ZonedTime(e.LocalEnd, e.TimeZone, e.EndsAt));
            var (booking, refused) = await hall.BookAsync(user, hallId, span, e.Title, e.Capacity, now, cancellationToken);
            e.BookingId = booking?.Id ?? e.BookingId;
            return refused;
        }
        return moved || e.Capacity != before.Capacity ? await hall.FollowAsync(user, e, moved, now, cancellationToken) : null;
    }

    // PostgreSQL decides whether the hall is free: its exclusion constraint keeps live bookings
    // apart, its trigger keeps them out of closures.
    private async Task<EventOutcome> SaveAsync(CommunityEvent e, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return EventOutcome.Stale();
        }
        catch (DbUpdateException ex) when (ex.IsExclusionViolation(Bookings.Booking.NoOverlapConstraint, Bookings.Booking.NotInBlackoutConstraint))
        {
            db.ChangeTracker.Clear();
            return EventOutcome.Conflict(ex.ConstraintName() == Bookings.Booking.NotInBlackoutConstraint
                ? "The hall is closed at that time. Its calendar shows when it is open and free."
                : "The hall is taken at that time. Its calendar shows when it is free.");
        }
        return EventOutcome.Done(e);
    }

    // The request's own rules (as the API's validation checks them, so a page gets the same answer),
    // then those that need the clock or the database.
    private async Task<(ZonedSpan Span, EventOutcome? Refused)> CheckAsync(EventRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(request, new ValidationContext(request), results, validateAllProperties: true))
        {
            var errors = results
                .SelectMany(r => (r.MemberNames.Any() ? r.MemberNames : [""]).Select(m => (Field: FieldNames.ToJson(m), r.ErrorMessage)))
                .GroupBy(x => x.Field).ToDictionary(g => g.Key, g => g.Select(x => x.ErrorMessage ?? "Invalid.").ToArray());
            return (default, EventOutcome.Invalid(errors));
        }
        var zone = IanaTimeZoneAttribute.Canonical(request.TimeZone)!; // validated: a known zone
        var (span, refusals) = BookingRules.Resolve(request.Start, request.End, zone, "event");
        if (span is { } s)
        {
            if (s.End.Instant <= s.Start.Instant)
            {
                refusals.Add(new("end", "The end must be after the start."));
            }
            else if (s.Length > TimeSpan.FromDays(14))
            {
                refusals.Add(new("end", "An event lasts at most 14 days."));
            }
            if (s.Start.Instant < now)
            {
                refusals.Add(new("start", "This time has already passed."));
            }
        }
        if (request.OccurrenceId is { } occurrence && !await db.Occurrences.AnyAsync(o => o.Id == occurrence, cancellationToken))
        {
            refusals.Add(new("occurrenceId", "No such occurrence of an observance."));
        }
        return refusals.Count == 0 && span is { } checkedSpan ? (checkedSpan, null)
            : (default, EventOutcome.Invalid(refusals.GroupBy(r => r.Field).ToDictionary(g => g.Key, g => g.Select(r => r.Message).Distinct().ToArray())));
    }

    private static List<string> Languages(EventRequest request) => [.. (request.Languages ?? []).Distinct()];
}
