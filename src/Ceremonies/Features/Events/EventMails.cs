using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Bookings;
using Ceremonies.Infrastructure.Http;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Events;

// The mails events cause, added to the same SaveChanges as the change. The organizer hears at their
// account's confirmed address, never at the contact typed into the form; attendees at the address
// they confirmed. Times are the event's local time, naming its zone, and UTC.
public static class EventMails
{
    public static async Task ToOrganizerAsync(CeremoniesDb db, CommunityEvent e, string what, SiteOptions site, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await BookingMails.AccountAddressAsync(db, e.OrganizerId, cancellationToken) is not { } to)
        {
            return;
        }
        var (subject, line) = what switch
        {
            "submitted" => ($"Event received: {e.Title}", "A moderator will review it; you will hear when it is approved."),
            "resubmitted" => ($"Event sent for review again: {e.Title}", e.Published
                ? "It changed since it was approved, so a moderator reviews it again. Until then it stays listed, marked as changed."
                : "A moderator will review it again."),
            "approved" => ($"Event approved: {e.Title}", "It is now listed publicly."),
            "rejected" => ($"Event not approved: {e.Title}", "It is not listed. You may change it and send it again."),
            "withdrawn" => ($"Event withdrawn: {e.Title}", "It is no longer listed; its registered attendees are told."),
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, "unknown event mail"),
        };
        var text = $"""
            {subject}

            {line}

            When:   {When(e)}
            Where:  {e.Address}, {e.City}, {e.Country}
            State:  {Word(e.State)}{(e.Reason is null ? "" : $"\nReason: {e.Reason}")}

            Your events: {site.Link("events/mine")}
            """;
        db.Outbox.Add(OutboxMessage.Email($"event:{e.Id}:{what}:{e.Sequence}:{to}", to, subject, text, null, now));
    }

    // The event's own time and the same span in UTC; a mail cannot know its reader's zone.
    public static string When(CommunityEvent e) => $"{EventTexts.Local(e)}; {EventTexts.Utc(e)}";

    public static string Word(EventState state) => state.ToString().ToLowerInvariant();
}

public static class AttendeeMails
{
    // Everyone still in (seated, waiting or offered a seat) hears that the event moved or was
    // cancelled, with its new time and place.
    public static async Task TellAsync(CeremoniesDb db, CommunityEvent e, string what, SiteOptions site, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var active = new[] { RegistrationState.Seated, RegistrationState.Waitlisted, RegistrationState.Offered };
        var people = await db.EventRegistrations.AsNoTracking()
            .Where(r => r.EventId == e.Id && active.Contains(r.State))
            .Select(r => new { r.Name, r.Email })
            .ToListAsync(cancellationToken);
        var subject = what switch
        {
            "moved" => $"Changed: {e.Title}",
            "cancelled" => $"Cancelled: {e.Title}",
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, "unknown attendee mail"),
        };
        foreach (var person in people)
        {
            var text = what == "moved"
                ? $"""
                  Dear {person.Name},

                  The time or place of "{e.Title}", which you registered for, has changed. It is now:

                  When:  {EventMails.When(e)}
                  Where: {e.Address}, {e.City}, {e.Country}

                  The event: {site.Link($"events/{e.Id}")}
                  """
                : $"""
                  Dear {person.Name},

                  "{e.Title}" ({EventMails.When(e)}), which you registered for, has been cancelled by its organizers.
                  """;
            db.Outbox.Add(OutboxMessage.Email($"event:{e.Id}:attendee-{what}:{e.Sequence}:{person.Email.ToLowerInvariant()}", person.Email, subject, text, null, now));
        }
    }
}
