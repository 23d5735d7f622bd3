using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

[DbContext(typeof(CeremoniesDb))]
[Migration("20261122020000_Bookings")]
public sealed class Bookings : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE halls
                ADD COLUMN min_notice_minutes integer NOT NULL DEFAULT 60 CHECK (min_notice_minutes BETWEEN 0 AND 525600),
                ADD COLUMN max_length_minutes integer NOT NULL DEFAULT 720 CHECK (max_length_minutes BETWEEN 15 AND 20160);

            CREATE TABLE bookings (
                id             uuid PRIMARY KEY,
                hall_id        uuid NOT NULL REFERENCES halls (id),
                venue_id       uuid NOT NULL REFERENCES venues (id),
                series_id      uuid,
                title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
                kind           text NOT NULL CHECK (kind IN ('official_event', 'commemoration_ceremony', 'visit', 'private')),
                attendees      integer NOT NULL CHECK (attendees BETWEEN 1 AND 100000),
                contact        text NOT NULL CHECK (length(contact) BETWEEN 3 AND 320),
                notes          text CHECK (length(notes) <= 4000),
                -- What the person meant, and the instants it is; the instants are recomputed from
                -- the local times if the zone's rules change.
                local_start    timestamp NOT NULL,
                local_end      timestamp NOT NULL,
                time_zone      text NOT NULL,
                starts_at      timestamptz NOT NULL,
                ends_at        timestamptz NOT NULL,
                -- The start and end widened by the hall's setup and teardown buffers.
                occupied_from  timestamptz NOT NULL,
                occupied_until timestamptz NOT NULL,
                state          text NOT NULL CHECK (state IN ('requested', 'confirmed', 'declined', 'cancelled', 'expired')),
                expires_at     timestamptz,
                requested_by   uuid NOT NULL REFERENCES users (id),
                decided_by     uuid REFERENCES users (id),
                decided_at     timestamptz,
                reason         text CHECK (length(reason) <= 1000),
                sequence       integer NOT NULL DEFAULT 0,
                created_at     timestamptz NOT NULL,
                updated_at     timestamptz NOT NULL,
                CHECK (ends_at > starts_at),
                CHECK (occupied_from <= starts_at AND occupied_until >= ends_at),
                -- No double booking, ever: two live bookings of one hall never share an instant of
                -- their occupied ranges. Adjacent half-open ranges do not overlap.
                CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
                    hall_id WITH =,
                    tstzrange(occupied_from, occupied_until, '[)') WITH &&
                ) WHERE (state IN ('requested', 'confirmed'))
            );
            CREATE INDEX ix_bookings_hall_starts_at ON bookings (hall_id, starts_at);
            CREATE INDEX ix_bookings_requested_by ON bookings (requested_by, starts_at);
            CREATE INDEX ix_bookings_pending_expiry ON bookings (expires_at) WHERE state = 'requested';
            CREATE INDEX ix_bookings_venue_requested ON bookings (venue_id, starts_at) WHERE state = 'requested';

            CREATE TABLE blackouts (
                id          uuid PRIMARY KEY,
                hall_id     uuid NOT NULL REFERENCES halls (id),
                local_start timestamp NOT NULL,
                local_end   timestamp NOT NULL,
                time_zone   text NOT NULL,
                starts_at   timestamptz NOT NULL,
                ends_at     timestamptz NOT NULL,
                reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
                created_by  uuid NOT NULL REFERENCES users (id),
                created_at  timestamptz NOT NULL,
                CHECK (ends_at > starts_at)
            );
            CREATE INDEX ix_blackouts_hall_range ON blackouts USING gist (hall_id, tstzrange(starts_at, ends_at, '[)'));

            CREATE TABLE calendar_feeds (
                id         uuid PRIMARY KEY,
                hall_id    uuid NOT NULL REFERENCES halls (id),
                token_hash text NOT NULL UNIQUE,
                created_by uuid NOT NULL REFERENCES users (id),
                created_at timestamptz NOT NULL,
                revoked_at timestamptz
            );
            CREATE INDEX ix_calendar_feeds_hall ON calendar_feeds (hall_id);
            """);
    }
}
