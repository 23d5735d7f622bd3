namespace Ceremonies.Features.Bookings;

// The local start and end of each occurrence of a series: the same wall-clock time every day or
// week, whatever the zone's offset does in between.
public static class Series
{
    public static List<(DateTime Start, DateTime End)> Expand(DateTime start, DateTime end, RepeatRequest repeat)
    {
        var step = TimeSpan.FromDays((repeat.Frequency == RepeatFrequency.Weekly ? 7 : 1) * repeat.Interval);
        var occurrences = new List<(DateTime, DateTime)>();
        for (var i = 0; i < RepeatRequest.MaxOccurrences; i++)
        {
            var s = start + step * i;
            if ((repeat.Count is { } count && i >= count) || (repeat.Until is { } until && DateOnly.FromDateTime(s) > until))
            {
                break;
            }
            occurrences.Add((s, end + step * i));
        }
        return occurrences;
    }
}
