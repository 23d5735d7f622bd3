using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// A booking never overlaps a closure of its hall, and a closure is never laid over live bookings.
// The two live in different tables, so no exclusion constraint can hold it; these triggers do, in
// the same statement as the write, serialised per hall by a lock on the hall's row: bookings take
// it shared (they go in side by side), closures take it exclusively.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261122030000_BlackoutInvariants")]
public sealed class BlackoutInvariants : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE FUNCTION bookings_not_in_blackout() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.state NOT IN ('requested', 'confirmed') THEN
                    RETURN NEW;
                END IF;
                PERFORM 1 FROM halls WHERE id = NEW.hall_id FOR SHARE;
                IF EXISTS (SELECT 1 FROM blackouts b
                            WHERE b.hall_id = NEW.hall_id
                              AND tstzrange(b.starts_at, b.ends_at, '[)') && tstzrange(NEW.occupied_from, NEW.occupied_until, '[)')) THEN
                    RAISE EXCEPTION 'the hall is closed during this booking'
                        USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'bookings_not_in_blackout', TABLE = 'bookings';
                END IF;
                RETURN NEW;
            END
            $$;
            CREATE TRIGGER bookings_not_in_blackout BEFORE INSERT OR UPDATE OF occupied_from, occupied_until, state, hall_id ON bookings
                FOR EACH ROW EXECUTE FUNCTION bookings_not_in_blackout();

            CREATE FUNCTION blackouts_not_over_live_bookings() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM 1 FROM halls WHERE id = NEW.hall_id FOR UPDATE;
                IF EXISTS (SELECT 1 FROM bookings b
                            WHERE b.hall_id = NEW.hall_id AND b.state IN ('requested', 'confirmed')
                              AND tstzrange(b.occupied_from, b.occupied_until, '[)') && tstzrange(NEW.starts_at, NEW.ends_at, '[)')) THEN
                    RAISE EXCEPTION 'live bookings fall in this closure'
                        USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'blackouts_not_over_live_bookings', TABLE = 'blackouts';
                END IF;
                RETURN NEW;
            END
            $$;
            CREATE TRIGGER blackouts_not_over_live_bookings BEFORE INSERT OR UPDATE ON blackouts
                FOR EACH ROW EXECUTE FUNCTION blackouts_not_over_live_bookings();
            """);
    }
}
