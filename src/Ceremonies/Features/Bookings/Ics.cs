using System.Globalization;
using System.Text;

namespace Ceremonies.Features.Bookings;

// Just enough RFC 5545 to publish a hall's calendar: instants in UTC (no VTIMEZONE needed), text
// escaped, lines folded at 75 octets, CRLF endings. Written here because no iCalendar library is
// obtainable; it only ever writes, never parses.
public sealed class Ics
{
    private readonly StringBuilder _text = new();

    public Ics Line(string name, string value)
    {
        var line = $"{name}:{value}";
        var bytes = Encoding.UTF8.GetBytes(line);
        if (bytes.Length <= 75)
        {
            _text.Append(line).Append("\r\n");
            return this;
        }
        // Fold without splitting a UTF-8 sequence: continuation lines start with one space.
        var start = 0;
        var first = true;
        while (start < bytes.Length)
        {
            var room = first ? 75 : 74;
            var end = Math.Min(start + room, bytes.Length);
            while (end < bytes.Length && (bytes[end] & 0xC0) == 0x80)
            {
                end--;
            }
            if (!first)
            {
                _text.Append(' ');
            }
            _text.Append(Encoding.UTF8.GetString(bytes, start, end - start)).Append("\r\n");
            start = end;
            first = false;
        }
        return this;
    }

    public Ics Text(string name, string value) => Line(name, Escape(value));

    public Ics Instant(string name, DateTimeOffset value) =>
        Line(name, value.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));

    public override string ToString() => _text.ToString();

    public static string Escape(string value) => value
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace(";", "\\;", StringComparison.Ordinal)
        .Replace(",", "\\,", StringComparison.Ordinal)
        .Replace("\r\n", "\\n", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal);
}
