using System.Net;
using System.Net.Http.Json;
using Ceremonies.Data;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Bookings;

// Bookings whose occupied ranges touch, made at the same moment. Two transactions inserting rows
// that conflict under an exclusion constraint can each wait for the other; PostgreSQL then aborts
// one as a deadlock (40P01), which must be tried again and answered, never turned into a 500.
[Collection(AppTests.Name)]
public sealed class BookingConcurrencyTests(AppFixture fixture)
{
    [Fact]
    public async Task AChainOfNeighbouringSlotsBookedAtOnceOnSeveralDaysGivesNoServerErrorAndNoOverlap()
    {
        var world = await World.CreateAsync(fixture);
        var hall = await NewHallAsync(world, setupMinutes: 60, teardownMinutes: 30);
        using var staff = await world.ClientAsync(Who.Staff);
        var book = new Uri($"/api/halls/{hall.Id}/bookings", UriKind.Relative);
        // 09:00, 11:00, 13:00 and 15:00 for an hour: with an hour of setup and half an hour of
        // teardown each occupies [start − 1 h, end + 30 min), so every one overlaps its neighbours.
        int[] hours = [9, 11, 13, 15];
        var days = new List<DateTime>();
        var responses = new List<(HttpStatusCode Status, string Body)>();
        // A deadlock needs two inserts to meet between writing their index entries and checking them,
        // so the rounds give it many chances: on the code that did not retry, most runs had 500s.
        for (var round = 0; round < 3; round++)
        {
            var roundDays = Enumerable.Range(0, 12).Select(_ => world.FreeDay()).ToList();
            days.AddRange(roundDays);
            var wanted = roundDays.SelectMany(day => hours.SelectMany(hour => Enumerable.Range(0, 3).Select(copy => (Day: day, Hour: hour, Copy: copy))));
            responses.AddRange(await Task.WhenAll(wanted.Select(async w =>
            {
                using var response = await staff.PostAsJsonAsync(book,
                    BookingTests.Booking($"Chain {w.Hour}:00 #{w.Copy}", w.Day.AddHours(w.Hour), w.Day.AddHours(w.Hour + 1)));
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            })));
        }

        var unexpected = responses.Where(r => r.Status is not (HttpStatusCode.Created or HttpStatusCode.Conflict)).ToList();
        Assert.True(unexpected.Count == 0, string.Join("\n", unexpected.Select(r => $"{(int)r.Status}: {r.Body}")));
        // Every refusal names what is in the way.
        Assert.All(responses.Where(r => r.Status == HttpStatusCode.Conflict), r => Assert.Contains("\"conflicts\"", r.Body, StringComparison.Ordinal));
        var live = await fixture.App.InScopeAsync<CeremoniesDb, List<Booking>>(db => db.Bookings.AsNoTracking()
            .Where(b => b.HallId == hall.Id && (b.State == BookingState.Requested || b.State == BookingState.Confirmed)).ToListAsync());
        Assert.Equal(responses.Count(r => r.Status == HttpStatusCode.Created), live.Count);
        foreach (var day in days)
        {
            var winners = live.Where(b => b.LocalStart.Date == day.Date).OrderBy(b => b.OccupiedFrom).ToList();
            Assert.NotEmpty(winners);
            Assert.All(winners.Zip(winners.Skip(1)), pair => Assert.True(pair.First.OccupiedUntil <= pair.Second.OccupiedFrom,
                $"{pair.First.Title} and {pair.Second.Title} overlap on {day:yyyy-MM-dd}"));
        }
    }

    private async Task<Hall> NewHallAsync(World world, int setupMinutes, int teardownMinutes)
    {
        var now = DateTimeOffset.UtcNow;
        var hall = new Hall
        {
            Id = Guid.CreateVersion7(), VenueId = world.Memorial.Id, Name = $"Chain hall {Guid.NewGuid():N}", Capacity = 300,
            SetupMinutes = setupMinutes, TeardownMinutes = teardownMinutes,
            OpeningHours = [.. Enum.GetValues<DayOfWeek>().Select(d => new OpeningHours(d, new TimeOnly(8, 0), new TimeOnly(20, 0)))],
            CreatedAt = now, UpdatedAt = now,
        };
        await fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Halls.Add(hall);
            return db.SaveChangesAsync();
        });
        return hall;
    }
}
