using Ceremonies.Data;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ceremonies.Features.Venues;

// A span of one weekday, in the venue's own zone, during which a hall can be booked.
public sealed record OpeningHours(DayOfWeek Day, TimeOnly Opens, TimeOnly Closes)
{
    // "Mon–Fri 09:00–18:00; Sat 10:00–14:00": days with the same hours are grouped.
    public static string Describe(IReadOnlyList<OpeningHours> hours)
    {
        if (hours.Count == 0)
        {
            return "closed";
        }
        var days = new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday };
        string Spans(DayOfWeek day) => string.Join(", ", hours.Where(h => h.Day == day).OrderBy(h => h.Opens)
            .Select(h => $"{h.Opens.ToString("HH:mm", CultureInfo.InvariantCulture)}–{h.Closes.ToString("HH:mm", CultureInfo.InvariantCulture)}"));
        var parts = new List<string>();
        var i = 0;
        while (i < days.Length)
        {
            var spans = Spans(days[i]);
            var j = i;
            while (j + 1 < days.Length && Spans(days[j + 1]) == spans)
            {
                j++;
            }
            if (spans.Length > 0)
            {
                var name = CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedDayNames;
                parts.Add(i == j ? $"{name[(int)days[i]]} {spans}" : $"{name[(int)days[i]]}–{name[(int)days[j]]} {spans}");
            }
            i = j + 1;
        }
        return string.Join("; ", parts);
    }
}

public sealed class Hall : IReferenceData
{
    public const int MaxBufferMinutes = 24 * 60;

    public required Guid Id { get; init; }
    public required Guid VenueId { get; init; }
    public required string Name { get; set; }
    public required int Capacity { get; set; }
    public required int SetupMinutes { get; set; }
    public required int TeardownMinutes { get; set; }
    public required IReadOnlyList<OpeningHours> OpeningHours { get; set; }
    public const int DefaultMinNoticeMinutes = 60;
    public const int DefaultMaxLengthMinutes = 12 * 60;
    // How long before its start a booking may be requested, and how long one booking may last.
    public int MinNoticeMinutes { get; set; } = DefaultMinNoticeMinutes;
    public int MaxLengthMinutes { get; set; } = DefaultMaxLengthMinutes;
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; set; }
    public uint Version { get; set; }
}

internal sealed class HallConfiguration : IEntityTypeConfiguration<Hall>
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public void Configure(EntityTypeBuilder<Hall> builder)
    {
        builder.ToTable("halls");
        builder.Property(h => h.Version).IsRowVersion();
        builder.Property(h => h.OpeningHours)
            .HasColumnType("jsonb")
            .HasConversion(
                hours => JsonSerializer.Serialize(hours, Json),
                text => JsonSerializer.Deserialize<List<OpeningHours>>(text, Json) ?? new List<OpeningHours>(),
                new ValueComparer<IReadOnlyList<OpeningHours>>(
                    (a, b) => a != null && b != null && a.SequenceEqual(b),
                    hours => hours.Aggregate(0, (hash, h) => HashCode.Combine(hash, h)),
                    hours => hours.ToList()));
        builder.HasOne<Venue>().WithMany().HasForeignKey(h => h.VenueId);
    }
}
