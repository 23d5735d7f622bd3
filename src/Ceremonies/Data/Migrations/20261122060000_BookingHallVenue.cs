using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// A booking names its hall and, for the venue's queries, the hall's venue. One foreign key over both
// columns keeps the two in agreement (the venue is always the hall's), where two separate keys let a
// booking name a hall of one venue and another venue; it is also one check per insert instead of two.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261122060000_BookingHallVenue")]
public sealed class BookingHallVenue : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE halls ADD CONSTRAINT halls_id_venue_id_key UNIQUE (id, venue_id);
            ALTER TABLE bookings
                DROP CONSTRAINT bookings_hall_id_fkey,
                DROP CONSTRAINT bookings_venue_id_fkey,
                ADD CONSTRAINT bookings_hall_venue_fkey FOREIGN KEY (hall_id, venue_id) REFERENCES halls (id, venue_id);
            """);
    }
}
