using System.Globalization;
using System.Net;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Http;

namespace Ceremonies.Features.Observances;

// The notice and "prepare" mails to a venue's people (its staff and managers, at the confirmed
// addresses of their accounts). Each says the minute on the venue's clock, names the zone, gives the
// instant in UTC, and says so when the venue's date is not the observance's.
public enum MailPlanning
{
    // Planned as the venue joined.
    First,
    // Planned again because the venue's minute moved, before the mail went out.
    Replanned,
    // The notice again, at once: it went out with the old time.
    Changed,
}

public static class SilenceMails
{
    public static OutboxMessage Message(
        Observance observance, Occurrence occurrence, Venue venue, OccurrenceVenue participant, PlannedSignal planned, string to, DateTimeOffset now,
        SiteOptions site, MailPlanning planning = MailPlanning.First)
    {
        var changed = planning == MailPlanning.Changed;
        var when = When(participant);
        var subject = planned.Signal switch
        {
            Signal.Notice when changed => $"Changed: {observance.Name}: the minute of silence at {venue.Name} is now {when}",
            Signal.Notice => $"{observance.Name}: the minute of silence at {venue.Name} is {when}",
            Signal.Prepare => $"Prepare: the minute of silence at {venue.Name} begins at {participant.LocalTime.ToString("HH:mm", CultureInfo.InvariantCulture)} ({participant.TimeZone})",
            _ => throw new ArgumentOutOfRangeException(nameof(planned), planned.Signal, "only the notice and prepare signals are mailed"),
        };
        var lines = new List<string>
        {
            changed
                ? $"The time of the minute of silence at {venue.Name} has changed (its time zone is now {participant.TimeZone}); this replaces the earlier notice."
                : $"{venue.Name} takes part in {observance.Name} {occurrence.Year}.",
            "",
            $"The minute of silence begins {when}",
            $"({participant.BeginsAt.UtcDateTime.ToString("d MMMM yyyy, HH:mm:ss", CultureInfo.InvariantCulture)} UTC) and lasts {observance.SilenceSeconds} seconds.",
        };
        if (participant.DifferentDay)
        {
            lines.Add("");
            lines.Add($"Note: in {participant.TimeZone} this falls on {participant.LocalDate.ToString("d MMMM", CultureInfo.InvariantCulture)}, " +
                $"not on {occurrence.LocalDate.ToString("d MMMM", CultureInfo.InvariantCulture)}: every venue holds the minute at the same instant.");
        }
        if (planned.Signal == Signal.Prepare)
        {
            lines.Add("");
            lines.Add("Please make sure the display and the PA system are ready, and acknowledge readiness on the venue's page.");
            lines.Add($"The countdown for the venue's screen: {site.Link($"occurrences/{occurrence.Id}/display/{venue.Id}")}");
        }
        lines.Add("");
        lines.Add($"Every venue and its time: {site.Link($"occurrences/{occurrence.Id}")}");
        var text = string.Join('\n', lines);
        var html = string.Concat(lines.Select(l => l.Length == 0 ? "" : $"<p>{WebUtility.HtmlEncode(l)}</p>"));
        // The first plan's mail has the plain key; one planned again for a moved minute is a new
        // message, with a key of its own.
        var again = planning == MailPlanning.First ? "" : $"{Guid.CreateVersion7(now)}:";
        return OutboxMessage.Email($"{KeyPrefix(occurrence, venue, planned.Signal)}{again}{to}", to, subject, text, html, now,
            dueAt: planned.DueAt, deadline: planned.DeadlineAt);
    }

    // Every mail of a signal about one venue's minute in one occurrence has a key that starts with
    // this; every mail about the venue's minute with the second, about the occurrence with the first.
    public static string KeyPrefix(Occurrence occurrence, Venue venue, Signal signal) =>
        $"{KeyPrefix(occurrence, venue)}{Data.SnakeCase.Text(signal)}:";

    public static string KeyPrefix(Occurrence occurrence, Venue venue) => $"{KeyPrefix(occurrence)}{venue.Id}:";

    public static string KeyPrefix(Occurrence occurrence) => $"silence:{occurrence.Id}:";

    public static string When(OccurrenceVenue participant) =>
        $"on {participant.LocalDate.ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture)} at {participant.LocalTime.ToString("HH:mm", CultureInfo.InvariantCulture)} ({participant.TimeZone})";
}
