using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Caching;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ceremonies.Tests.Features.Bookings;

// A booking reads its hall, venue and the booker's membership from memory when it can. A change
// made anywhere must reach the next booking: at once when made through this process, within
// moments (PostgreSQL's notification) when made by another process or by hand.
[Collection(AppTests.Name)]
public sealed class BookingReferenceDataTests(AppFixture fixture)
{
    [Fact]
    public async Task AHallMadeSmallerInThisProcessIsCheckedByTheVeryNextBooking()
    {
        var world = await World.CreateAsync(fixture);
        await ListeningAsync();
        using var staff = await world.ClientAsync(Who.Staff);
        var first = world.FreeDay();
        using var before = await staff.PostAsJsonAsync(BookingTests.Book(world), BookingTests.Booking("Wreath laying", first.AddHours(10), first.AddHours(11), attendees: 40));
        Assert.Equal(HttpStatusCode.Created, before.StatusCode);

        await fixture.App.InScopeAsync<CeremoniesDb, int>(async db =>
        {
            var hall = await db.Halls.SingleAsync(h => h.Id == world.AssemblyHall.Id);
            hall.Capacity = 20;
            return await db.SaveChangesAsync();
        });
        var day = world.FreeDay();
        using var after = await staff.PostAsJsonAsync(BookingTests.Book(world), BookingTests.Booking("Wreath laying", day.AddHours(10), day.AddHours(11), attendees: 40));

        Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
        using var problem = JsonDocument.Parse(await after.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("attendees", out _));
    }

    [Fact]
    public async Task SavingAHallChangeClearsTheCacheBeforeAnyNotificationCouldArrive()
    {
        var world = await World.CreateAsync(fixture);
        // A cache of its own that no listener clears: only the save can.
        var cache = new ReferenceCache();
        cache.StartListening();
        await cache.GetOrLoadAsync(world.AssemblyHall.Id, "hall as it was", (v, _) => Task.FromResult(v), CancellationToken.None);
        var options = new DbContextOptionsBuilder<CeremoniesDb>().UseNpgsql(fixture.ConnectionString).UseSnakeCaseNamingConvention()
            .AddInterceptors(new ReferenceDataInterceptor(cache)).Options;

        await using (var db = new CeremoniesDb(options))
        {
            db.Audit(null, "test", "cache.checked", "hall", world.AssemblyHall.Id, null, null, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
        }
        var afterOtherSave = await cache.GetOrLoadAsync(world.AssemblyHall.Id, "reloaded", (v, _) => Task.FromResult(v), CancellationToken.None);
        await using (var db = new CeremoniesDb(options))
        {
            var hall = await db.Halls.SingleAsync(h => h.Id == world.AssemblyHall.Id);
            hall.Name = "Assembly hall (renamed)";
            await db.SaveChangesAsync();
        }
        var afterHallSave = await cache.GetOrLoadAsync(world.AssemblyHall.Id, "reloaded", (v, _) => Task.FromResult(v), CancellationToken.None);

        Assert.Equal("hall as it was", afterOtherSave);
        Assert.Equal("reloaded", afterHallSave);
    }

    [Fact]
    public async Task StaffRemovedByAnotherProcessSoonOnlyRequestTheHall()
    {
        var world = await World.CreateAsync(fixture);
        await ListeningAsync();
        using var staff = await world.ClientAsync(Who.Staff);
        Assert.Equal(BookingState.Confirmed, await BookAsync(staff, world));

        // Another process (here psql-like, outside the app) takes the membership away.
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Multiplexing = false }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var remove = new NpgsqlCommand("DELETE FROM venue_memberships WHERE venue_id = @venue AND user_id = @user", connection);
            remove.Parameters.AddWithValue("venue", world.Memorial.Id);
            remove.Parameters.AddWithValue("user", world.Person(Who.Staff).Id);
            Assert.Equal(1, await remove.ExecuteNonQueryAsync());
        }

        // The notification arrives within moments; until then a booking may still be made as staff.
        var state = BookingState.Confirmed;
        for (var attempt = 0; attempt < 50 && state == BookingState.Confirmed; attempt++)
        {
            state = await BookAsync(staff, world);
            if (state == BookingState.Confirmed)
            {
                await Task.Delay(100);
            }
        }
        Assert.Equal(BookingState.Requested, state);
    }

    private static async Task<BookingState> BookAsync(HttpClient client, World world)
    {
        var day = world.FreeDay();
        using var response = await client.PostAsJsonAsync(BookingTests.Book(world), BookingTests.Booking("Visit", day.AddHours(10), day.AddHours(11)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BookingView>(BookingTests.Json))!.State; // a 201 always has its body
    }

    // The app listens for changes from shortly after it starts; before that it does not cache at all.
    private async Task ListeningAsync()
    {
        var cache = fixture.App.Services.GetRequiredService<ReferenceCache>();
        for (var i = 0; i < 100 && !cache.IsListening; i++)
        {
            await Task.Delay(100);
        }
        Assert.True(cache.IsListening);
    }
}
