using System.Globalization;
using System.Text.Json.Nodes;
using Ceremonies.Infrastructure.Text;
using Ceremonies.Infrastructure.Time;

namespace Ceremonies.Features.Events;

// How the event pages put an event into words. Every time names its zone: the event's own, or UTC
// where the page cannot know the reader's (a script then shows the reader's zone instead).
public static class EventTexts
{
    // "Friday 26 February 2027, 18:00–20:00 (Europe/Paris)", as the organizer meant it.
    public static string Local(CommunityEvent e) => Span(e.LocalStart, e.LocalEnd, e.TimeZone);

    // The same span in UTC: what a page shows for the reader's time until its script runs.
    public static string Utc(CommunityEvent e) => Span(e.StartsAt.UtcDateTime, e.EndsAt.UtcDateTime, "UTC");

    public static string Span(DateTime start, DateTime end, string zone) =>
        start.Date == end.Date
            ? $"{Day(start)}, {Time(start)}–{Time(end)} ({zone})"
            : $"{Day(start)}, {Time(start)} to {Day(end)}, {Time(end)} ({zone})";

    // One moment: "Friday 26 February 2027, 18:00 (Europe/Paris)".
    public static string Moment(DateTime t, string zone) => $"{Day(t)}, {Time(t)} ({zone})";

    // An instant for a <time datetime> attribute and the script that reads it.
    public static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // ISO 8601 with the offset the event's zone has at that instant: 2027-02-26T18:00:00+01:00.
    public static string WithOffset(DateTimeOffset instant, string zone) =>
        TimeZoneInfo.ConvertTime(instant, ZonedTime.FindZone(zone)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public static string State(EventState state) => state switch
    {
        EventState.Submitted => "submitted, waiting for a moderator",
        EventState.Approved => "approved, listed publicly",
        EventState.Rejected => "rejected",
        _ => "withdrawn",
    };

    public static string Languages(CommunityEvent e) => e.Languages.Count == 0 ? "not given" : string.Join(", ", e.Languages);

    // The schema.org Event that search engines read from the page. System.Text.Json's default
    // encoder writes <, > and & as \u escapes, so no text of the organizer's can end the <script>
    // element this goes into; the page writes it as it is for that reason only.
    public static string JsonLd(CommunityEvent e, Uri url)
    {
        var data = new JsonObject
        {
            ["@context"] = "https://schema.org",
            ["@type"] = "Event",
            ["name"] = e.Title,
            ["startDate"] = WithOffset(e.StartsAt, e.TimeZone),
            ["endDate"] = WithOffset(e.EndsAt, e.TimeZone),
            ["eventStatus"] = "https://schema.org/EventScheduled",
            ["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode",
            ["location"] = new JsonObject
            {
                ["@type"] = "Place",
                ["name"] = e.Address,
                ["address"] = new JsonObject
                {
                    ["@type"] = "PostalAddress",
                    ["streetAddress"] = e.Address,
                    ["addressLocality"] = e.City,
                    ["addressCountry"] = e.Country,
                },
            },
            ["organizer"] = new JsonObject { ["@type"] = "Organization", ["name"] = e.OrganizerName },
            ["description"] = SafeMarkdown.ToPlainText(e.Description),
            ["url"] = url.ToString(),
        };
        if (e.Languages.Count > 0)
        {
            data["inLanguage"] = e.Languages.Count == 1 ? e.Languages[0] : new JsonArray([.. e.Languages.Select(l => JsonValue.Create(l))]);
        }
        return data.ToJsonString();
    }

    private static string Day(DateTime t) => t.ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture);

    private static string Time(DateTime t) => t.ToString("HH:mm", CultureInfo.InvariantCulture);
}
