using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Bookings;

// The mails bookings cause, added to the same SaveChanges as the change itself. Times are the
// venue's local times and name its zone. Mail goes only to addresses that asked for it: the
// confirmed address of the account that asked for the booking, and those of the venue's staff. The
// booking's contact is typed into a form by anyone; it is shown to the staff, never mailed.
public static class BookingMails
{
    // Tells the person who asked for the booking, at their account's confirmed address.
    public static async Task SendToRequesterAsync(
        CeremoniesDb db, Booking booking, string hallName, string venueName, string what, DateTimeOffset now, CancellationToken cancellationToken, string? extra = null)
    {
        if (await AccountAddressAsync(db, booking.RequestedBy, cancellationToken) is { } to)
        {
            db.Outbox.Add(Message(booking, hallName, venueName, what, to, now, extra));
        }
    }

    public static Task<string?> AccountAddressAsync(CeremoniesDb db, Guid userId, CancellationToken cancellationToken) =>
        db.Users.Where(u => u.Id == userId && u.EmailConfirmed).Select(u => u.Email).FirstOrDefaultAsync(cancellationToken);

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
