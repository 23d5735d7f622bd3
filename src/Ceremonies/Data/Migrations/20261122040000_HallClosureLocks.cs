using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// The closure triggers serialise bookings and closures of one hall through a lock. It was a row lock
// on the hall (FOR SHARE / FOR UPDATE): every booking then wrote the hall's row and, with several
// booking at once, made PostgreSQL create a multixact for the sharers. A transaction-scoped advisory
// lock on the hall gives the same order (bookings share it, a closure takes it alone) in memory,
// without writing anything. Keys are (26021992, hashtext(hall id)); a clash of two halls' hashes only
// makes one wait for the other.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261122040000_HallClosureLocks")]
public sealed class HallClosureLocks : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE OR REPLACE FUNCTION bookings_not_in_blackout() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.state NOT IN ('requested', 'confirmed') THEN
                    RETURN NEW;
                END IF;
                PERFORM pg_advisory_xact_lock_shared(26021992, hashtext(NEW.hall_id::text));
                IF EXISTS (SELECT 1 FROM blackouts b
                            WHERE b.hall_id = NEW.hall_id
                              AND tstzrange(b.starts_at, b.ends_at, '[)') && tstzrange(NEW.occupied_from, NEW.occupied_until, '[)')) THEN
                    RAISE EXCEPTION 'the hall is closed during this booking'
                        USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'bookings_not_in_blackout', TABLE = 'bookings';
                END IF;
                RETURN NEW;
            END
            $$;

            CREATE OR REPLACE FUNCTION blackouts_not_over_live_bookings() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(26021992, hashtext(NEW.hall_id::text));
                IF EXISTS (SELECT 1 FROM bookings b
                            WHERE b.hall_id = NEW.hall_id AND b.state IN ('requested', 'confirmed')
                              AND tstzrange(b.occupied_from, b.occupied_until, '[)') && tstzrange(NEW.starts_at, NEW.ends_at, '[)')) THEN
                    RAISE EXCEPTION 'live bookings fall in this closure'
                        USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'blackouts_not_over_live_bookings', TABLE = 'blackouts';
                END IF;
                RETURN NEW;
            END
            $$;
            """);
    }
}
