using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;

namespace Ceremonies.Features.Bookings;

// The mails bookings cause, added to the same SaveChanges as the change itself. Times are the
// venue's local times and name its zone.
public static class BookingMails
{
    public static void Send(CeremoniesDb db, Booking booking, string hallName, string venueName, string what, string to, DateTimeOffset now, string? extra = null) =>
        db.Outbox.Add(Message(booking, hallName, venueName, what, to, now, extra));

    public static OutboxMessage Message(Booking booking, string hallName, string venueName, string what, string to, DateTimeOffset now, string? extra = null)
    {
        var subject = what switch
        {
            "confirmed" => $"Booking confirmed: {booking.Title}",
            "requested" => $"Request received: {booking.Title}",
            "request-for-staff" => $"New request for {hallName}: {booking.Title}",
            "declined" => $"Request declined: {booking.Title}",
            "cancelled" => $"Booking cancelled: {booking.Title}",
            "changed" => $"Booking changed: {booking.Title}",
            "expired" => $"Request expired: {booking.Title}",
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, "unknown booking mail"),
        };
        var text = $"""
            {subject}

            Hall:      {hallName}, {venueName}
            When:      {When(booking)}
            Attendees: {booking.Attendees}
            State:     {booking.State.ToString().ToLowerInvariant()}{(booking.Reason is null ? "" : $"\nReason:    {booking.Reason}")}{(extra is null ? "" : $"\n\n{extra}")}
            """;
        return OutboxMessage.Email($"booking:{booking.Id}:{what}:{booking.Sequence}:{to}", to, subject, text, null, now);
    }

    public static string When(Booking booking) =>
        booking.LocalStart.Date == booking.LocalEnd.Date
            ? $"{booking.LocalStart.ToString("dddd d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture)}–{booking.LocalEnd.ToString("HH:mm", CultureInfo.InvariantCulture)} ({booking.TimeZone})"
            : $"{booking.LocalStart.ToString("d MMMM yyyy HH:mm", CultureInfo.InvariantCulture)} to {booking.LocalEnd.ToString("d MMMM yyyy HH:mm", CultureInfo.InvariantCulture)} ({booking.TimeZone})";
}
