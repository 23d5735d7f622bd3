using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Security;
using Ceremonies.Infrastructure.Time;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Events;

// The booking of a hall of the service that an event is held in. It follows the booking rules as any
// booking does: the venue's staff (and admins) book outright, anyone else requests and the staff
// decide; PostgreSQL's exclusion constraint keeps it apart from other bookings and closures when
// the event is saved (EventActions turns a violation into a 409). The booking is added to the same
// SaveChanges as the event, with its audit entry and mails.
public sealed class EventHall(CeremoniesDb db, IAuthorizationService authorization, IOptions<BookingOptions> options)
{
    public async Task<(Booking? Booking, EventOutcome? Refused)> BookAsync(
        ClaimsPrincipal user, Guid hallId, ZonedSpan span, string title, int capacity, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var organizer = user.UserId!.Value; // only signed-in people submit events
        if (await db.HallContextAsync(hallId, cancellationToken, organizer) is not { } context)
        {
            return (null, EventOutcome.Invalid("hallId", "No such hall."));
        }
        if (await RefuseAsync(user, context, span, capacity, now) is { } refused)
        {
            return (null, refused);
        }
        var staff = await authorization.IsMemberAsync(user, context.Hall.VenueId, context.Role);
        var address = user.FindFirstValue(ClaimTypes.Email) ?? await BookingMails.AccountAddressAsync(db, organizer, cancellationToken) ?? "";
        var booking = Booking.New(context.Hall, span, title, BookingKind.CommemorationCeremony, capacity, address, "A community event of the service.",
            organizer, staff, TimeSpan.FromHours(options.Value.RequestHoldHours), now);
        db.Bookings.Add(booking);
        db.Audit(user, staff ? "booking.created" : "booking.requested", "booking", booking.Id, null, BookingView.Of(booking), now);
        if (address.Length > 0)
        {
            db.Outbox.Add(BookingMails.Message(booking, context.Hall.Name, context.VenueName, staff ? "confirmed" : "requested", address, now));
        }
        if (!staff)
        {
            foreach (var person in await db.VenuePeopleAddressesAsync(context.Hall.VenueId, cancellationToken))
            {
                db.Outbox.Add(BookingMails.Message(booking, context.Hall.Name, context.VenueName, "request-for-staff", person, now));
            }
        }
        return (booking, null);
    }

    // The event moved or its capacity changed: its live booking follows, by the same rules. As for
    // any booking, once the staff confirmed it only they move it or give it more people.
    public async Task<EventOutcome?> FollowAsync(ClaimsPrincipal user, CommunityEvent e, bool moved, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (e.BookingId is not { } id || await db.Bookings.FirstOrDefaultAsync(b => b.Id == id, cancellationToken) is not { IsLive: true } booking)
        {
            return null;
        }
        var context = (await db.HallContextAsync(booking.HallId, cancellationToken, user.UserId))!; // the booking's hall exists (foreign key)
        var span = new ZonedSpan(new ZonedTime(e.LocalStart, e.TimeZone, e.StartsAt), new ZonedTime(e.LocalEnd, e.TimeZone, e.EndsAt));
        var staff = await authorization.IsMemberAsync(user, context.Hall.VenueId, context.Role);
        if (!staff && booking.State == BookingState.Confirmed && (moved || e.Capacity > booking.Attendees))
        {
            return EventOutcome.Conflict($"The venue's staff confirmed {context.Hall.Name} for the event as it was booked.",
                "Ask them to move the booking or to give it more people, or keep the event's time, place and capacity.");
        }
        // Only what changed is checked again: a capacity change alone does not make the booking's
        // notice or its start count against it.
        if (await RefuseAsync(user, context, span, e.Capacity, now, onlyCapacity: !moved) is { } refused)
        {
            return refused;
        }
        var before = BookingView.Of(booking);
        booking.Place(span, context.Hall);
        booking.Attendees = e.Capacity;
        booking.Title = e.Title;
        booking.Sequence++;
        booking.UpdatedAt = now;
        db.Audit(user, "booking.moved", "booking", booking.Id, before, BookingView.Of(booking), now);
        await BookingMails.SendToRequesterAsync(db, booking, context.Hall.Name, context.VenueName, "changed", now, cancellationToken);
        return null;
    }

    // The event no longer takes place (withdrawn or rejected): its hall is freed.
    public async Task ReleaseAsync(ClaimsPrincipal user, CommunityEvent e, string why, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (e.BookingId is not { } id || await db.Bookings.FirstOrDefaultAsync(b => b.Id == id, cancellationToken) is not { IsLive: true } booking)
        {
            return;
        }
        var before = BookingView.Of(booking);
        booking.MoveTo(BookingState.Cancelled, user.UserId, why, now);
        db.Audit(user, "booking.cancelled", "booking", booking.Id, before, BookingView.Of(booking), now);
        var context = (await db.HallContextAsync(booking.HallId, cancellationToken))!; // the booking's hall exists (foreign key)
        await BookingMails.SendToRequesterAsync(db, booking, context.Hall.Name, context.VenueName, "cancelled", now, cancellationToken);
    }

    private async Task<EventOutcome?> RefuseAsync(ClaimsPrincipal user, HallContext context, ZonedSpan span, int capacity, DateTimeOffset now, bool onlyCapacity = false)
    {
        if (context.TimeZone != span.Start.Zone)
        {
            return EventOutcome.Invalid("timeZone", $"{context.Hall.Name} is in {context.TimeZone}: give the event's times in that zone.");
        }
        var staff = await authorization.IsMemberAsync(user, context.Hall.VenueId, context.Role);
        var refusals = BookingRules.Check(context.Hall, span, capacity, now, staff).Where(r => !onlyCapacity || r.Field == "attendees").ToList();
        return refusals.Count == 0 ? null
            : EventOutcome.Invalid(refusals.GroupBy(r => r.Field == "attendees" ? "capacity" : r.Field)
                .ToDictionary(g => g.Key, g => g.Select(r => r.Message).Distinct().ToArray()));
    }
}
