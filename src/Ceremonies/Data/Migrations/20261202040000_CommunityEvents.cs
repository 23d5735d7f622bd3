using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// Community events that organizers submit and moderators approve, and the people who register to
// attend them.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261202040000_CommunityEvents")]
public sealed class CommunityEvents : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            -- An event as its organizer meant it (local start and end in its zone) and as instants.
            -- state is where it is in moderation; published says the public sees it: set when a
            -- moderator approves it, kept while an approved event that moved waits for review again
            -- (shown with a "changed" note), cleared when it is rejected or withdrawn. An event held in a
            -- hall of the service has a booking of it, made by the booking rules.
            CREATE TABLE events (
                id              uuid PRIMARY KEY,
                organizer_id    uuid NOT NULL REFERENCES users (id),
                organizer_name  text NOT NULL CHECK (length(organizer_name) BETWEEN 1 AND 200),
                title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
                description     text NOT NULL CHECK (length(description) <= 20000),
                languages       text[] NOT NULL,
                local_start     timestamp NOT NULL,
                local_end       timestamp NOT NULL,
                time_zone       text NOT NULL,
                starts_at       timestamptz NOT NULL,
                ends_at         timestamptz NOT NULL,
                address         text NOT NULL,
                city            text NOT NULL,
                country         char(2) NOT NULL,
                occurrence_id   uuid REFERENCES occurrences (id) ON DELETE SET NULL,
                hall_id         uuid REFERENCES halls (id),
                booking_id      uuid REFERENCES bookings (id),
                holds_silence   boolean NOT NULL DEFAULT false,
                capacity        integer NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
                contact         text NOT NULL,
                state           text NOT NULL CHECK (state IN ('submitted', 'approved', 'rejected', 'withdrawn')),
                published       boolean NOT NULL DEFAULT false,
                reason          text,
                moderated_by    uuid REFERENCES users (id),
                moderated_at    timestamptz,
                sequence        integer NOT NULL DEFAULT 0,
                submitted_at    timestamptz NOT NULL,
                created_at      timestamptz NOT NULL,
                updated_at      timestamptz NOT NULL,
                CHECK (ends_at > starts_at),
                CHECK (NOT published OR state IN ('approved', 'submitted')),
                CHECK ((hall_id IS NULL) = (booking_id IS NULL))
            );
            CREATE INDEX events_published_start ON events (starts_at, id) WHERE published;
            CREATE INDEX events_organizer ON events (organizer_id, starts_at);
            CREATE INDEX events_queue ON events (submitted_at) WHERE state = 'submitted';
            CREATE INDEX events_occurrence ON events (occurrence_id) WHERE occurrence_id IS NOT NULL;

            -- A person who asked to attend, without an account. pending: the address is not yet
            -- confirmed; seated: has a seat; waitlisted: confirmed, waits in line (by queued_at);
            -- offered: a seat freed and is held for them until offer_expires_at; cancelled: gave it
            -- up; lapsed: let an offer pass. Seated and offered count against the capacity. The
            -- person's links carry the id protected by the app's keys (Data Protection), so no token is stored.
            CREATE TABLE event_registrations (
                id                uuid PRIMARY KEY,
                event_id          uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
                name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                email             text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
                state             text NOT NULL CHECK (state IN ('pending', 'seated', 'waitlisted', 'offered', 'cancelled', 'lapsed')),
                queued_at         timestamptz,
                offer_expires_at  timestamptz,
                created_at        timestamptz NOT NULL,
                updated_at        timestamptz NOT NULL,
                CHECK ((state = 'offered') = (offer_expires_at IS NOT NULL))
            );
            -- One registration per address and event: registering again sends the links again.
            CREATE UNIQUE INDEX event_registrations_one_per_address ON event_registrations (event_id, lower(email));
            CREATE INDEX event_registrations_waitlist ON event_registrations (event_id, queued_at) WHERE state = 'waitlisted';
            CREATE INDEX event_registrations_offers ON event_registrations (offer_expires_at) WHERE state = 'offered';
            CREATE INDEX event_registrations_unconfirmed ON event_registrations (updated_at) WHERE state = 'pending';
            """);
    }
}
