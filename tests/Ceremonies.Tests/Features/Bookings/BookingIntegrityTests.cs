using Ceremonies.Data;
using Ceremonies.Features.Bookings;
using Ceremonies.Infrastructure.Time;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ceremonies.Tests.Features.Bookings;

[Collection(AppTests.Name)]
public sealed class BookingIntegrityTests(AppFixture fixture)
{
    [Fact]
    public async Task PostgreSqlRefusesABookingWhoseVenueIsNotItsHalls()
    {
        var world = await World.CreateAsync(fixture);
        var day = world.FreeDay();
        var zone = world.Memorial.TimeZone;
        var span = new ZonedSpan(ZonedTime.Resolve(day.AddHours(10), zone)!.Value, ZonedTime.Resolve(day.AddHours(11), zone)!.Value);
        var booking = Booking.New(world.AssemblyHall, span, "Mislabelled", BookingKind.Visit, 10, "a@example.test", null,
            world.Person(Who.Staff).Id, byStaff: true, TimeSpan.FromDays(3), DateTimeOffset.UtcNow);

        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => fixture.App.InScopeAsync<CeremoniesDb, int>(db =>
        {
            db.Bookings.Add(booking);
            db.Entry(booking).Property(b => b.VenueId).CurrentValue = world.Paris.Id; // the memorial's hall, said to be in Paris
            return db.SaveChangesAsync();
        }));

        var postgres = Assert.IsType<PostgresException>(refused.InnerException);
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, postgres.SqlState);
        Assert.Equal("bookings_hall_venue_fkey", postgres.ConstraintName);
        Assert.False(await fixture.App.InScopeAsync<CeremoniesDb, bool>(db => db.Bookings.AnyAsync(b => b.Id == booking.Id)));
    }
}
