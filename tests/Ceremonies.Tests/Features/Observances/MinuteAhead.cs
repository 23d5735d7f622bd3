using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Venues;
using Microsoft.Extensions.DependencyInjection;

namespace Ceremonies.Tests.Features.Observances;

// An occurrence whose minute of silence begins seconds from now (on a whole second, in UTC), with
// freshly named venues in the given zones taking part, planned as the API plans it.
public sealed record MinuteAhead(Guid OccurrenceId, string ObservanceName, DateTimeOffset SilenceAt, int SilenceSeconds, IReadOnlyList<Venue> Venues)
{
    public static async Task<MinuteAhead> CreateAsync(AppFixture fixture, TimeSpan ahead, params string[] zones)
    {
        const int silenceSeconds = 10;
        var now = DateTimeOffset.UtcNow;
        var at = now + ahead;
        var silenceAt = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, at.Second, TimeSpan.Zero).AddSeconds(1);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var observance = new Observance
        {
            Id = Guid.CreateVersion7(), Name = $"Live observance {tag}", Month = silenceAt.Month, Day = silenceAt.Day,
            SilenceLocalTime = TimeOnly.FromTimeSpan(silenceAt.TimeOfDay), ReferenceZone = "Etc/UTC", Mode = SilenceMode.OneInstant,
            NoticeMinutesBefore = 1440, PrepareMinutesBefore = 1, SilenceSeconds = silenceSeconds, CreatedAt = now, UpdatedAt = now,
        };
        var venues = zones.Select((zone, i) => new Venue
        {
            Id = Guid.CreateVersion7(), Name = $"Hall {i + 1} {zone} {tag}", City = zone[(zone.IndexOf('/', StringComparison.Ordinal) + 1)..],
            Country = "AZ", TimeZone = zone, CreatedAt = now, UpdatedAt = now,
        }).ToList();
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CeremoniesDb>();
        db.Observances.Add(observance);
        db.Venues.AddRange(venues);
        await db.SaveChangesAsync();
        var planning = scope.ServiceProvider.GetRequiredService<OccurrencePlanning>();
        var (occurrence, _) = await planning.EnsureAsync(observance, silenceAt.Year, CancellationToken.None);
        foreach (var venue in venues)
        {
            Assert.Equal(JoinOutcome.Joined, await planning.JoinAsync(observance, occurrence, venue, CancellationToken.None));
        }
        return new MinuteAhead(occurrence.Id, observance.Name, silenceAt, silenceSeconds, venues);
    }

    public string LocalTimeAt(Venue venue) =>
        TimeZoneInfo.ConvertTime(SilenceAt, TimeZoneInfo.FindSystemTimeZoneById(venue.TimeZone)).ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
