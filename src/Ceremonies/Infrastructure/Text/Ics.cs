using System.Text;
using Ical.Net;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;

namespace Ceremonies.Infrastructure.Text;

// iCalendar (RFC 5545) text by Ical.Net, for the hall and event feeds.
public static class Ics
{
    // Instants are written in UTC, so a feed needs no VTIMEZONE.
    public static CalDateTime Utc(DateTimeOffset instant) => new(instant.UtcDateTime, CalDateTime.UtcTzId, hasTime: true);

    public static string Write(Calendar calendar) =>
        Refolded(new CalendarSerializer().SerializeToString(calendar)!); // null only for a null calendar

    // Ical.Net 5.2.4 folds lines at 75 octets but weighs each half of a surrogate pair alone and may
    // fold between the two: an emoji in a title came out as two U+FFFD. Its folds are undone (values
    // are escaped, so a CRLF and a space is always a fold) and made again between whole characters.
    private static string Refolded(string ics)
    {
        var result = new StringBuilder(ics.Length + 64);
        foreach (var line in ics.Replace("\r\n ", "", StringComparison.Ordinal).Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var octets = 0;
            foreach (var character in line.EnumerateRunes())
            {
                if (octets + character.Utf8SequenceLength > 75)
                {
                    result.Append("\r\n ");
                    octets = 1;
                }
                result.Append(character.ToString());
                octets += character.Utf8SequenceLength;
            }
            result.Append("\r\n");
        }
        return result.ToString();
    }
}
