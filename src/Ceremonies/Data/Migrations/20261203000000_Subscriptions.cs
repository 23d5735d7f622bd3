using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// People who follow the observance, a venue, a country or one event by email, and the reminders
// planned for them. A reminder is an outbox message written without its text (renderer 'reminder'):
// the worker that sends it writes the text from what holds then, so a title changed since planning
// is the one mailed, and a reminder whose event went away is withdrawn instead of sent.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261203000000_Subscriptions")]
public sealed class Subscriptions : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            -- pending: the address has not opened its confirmation link (nothing else is mailed to it);
            -- confirmed: reminders are planned; unsubscribed: none are, and none is sent.
            CREATE TABLE subscriptions (
                id              uuid PRIMARY KEY,
                email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
                time_zone       text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
                language        text NOT NULL CHECK (language IN ('en', 'fr', 'az', 'ru')),
                follows         text NOT NULL CHECK (follows IN ('observance', 'venue', 'country', 'event')),
                observance_id   uuid REFERENCES observances (id) ON DELETE CASCADE,
                venue_id        uuid REFERENCES venues (id) ON DELETE CASCADE,
                country         char(2) CHECK (country ~ '^[A-Z]{2}$'),
                event_id        uuid REFERENCES events (id) ON DELETE CASCADE,
                offset_minutes  integer[] NOT NULL
                                CHECK (cardinality(offset_minutes) BETWEEN 1 AND 5
                                       AND offset_minutes <@ ARRAY[15, 60, 180, 1440, 10080]),
                state           text NOT NULL CHECK (state IN ('pending', 'confirmed', 'unsubscribed')),
                created_at      timestamptz NOT NULL,
                updated_at      timestamptz NOT NULL,
                confirmed_at    timestamptz,
                unsubscribed_at timestamptz,
                CHECK ((follows = 'observance') = (observance_id IS NOT NULL)),
                CHECK ((follows = 'venue') = (venue_id IS NOT NULL)),
                CHECK ((follows = 'country') = (country IS NOT NULL)),
                CHECK ((follows = 'event') = (event_id IS NOT NULL))
            );
            -- One subscription per address and thing followed: subscribing again changes nothing new.
            CREATE UNIQUE INDEX subscriptions_observance ON subscriptions (lower(email), observance_id) WHERE follows = 'observance';
            CREATE UNIQUE INDEX subscriptions_venue ON subscriptions (venue_id, lower(email)) WHERE follows = 'venue';
            CREATE UNIQUE INDEX subscriptions_country ON subscriptions (country, lower(email)) WHERE follows = 'country';
            CREATE UNIQUE INDEX subscriptions_event ON subscriptions (event_id, lower(email)) WHERE follows = 'event';
            -- Who follows what, for planning (confirmed only).
            CREATE INDEX subscriptions_confirmed_observance ON subscriptions (observance_id) WHERE state = 'confirmed' AND follows = 'observance';
            CREATE INDEX subscriptions_by_email ON subscriptions (lower(email));

            ALTER TABLE outbox_messages ADD COLUMN renderer text CHECK (length(renderer) <= 50);

            -- What a reminder outbox message is about: an event's start, or an occurrence's minute (at a
            -- venue, when venue_id is set). moment_at is the instant it was planned for; if the event or
            -- the minute has moved since, the message is withdrawn, not sent.
            CREATE TABLE reminders (
                message_id      uuid PRIMARY KEY REFERENCES outbox_messages (id) ON DELETE CASCADE,
                subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
                event_id        uuid REFERENCES events (id) ON DELETE CASCADE,
                occurrence_id   uuid REFERENCES occurrences (id) ON DELETE CASCADE,
                venue_id        uuid REFERENCES venues (id) ON DELETE CASCADE,
                moment_at       timestamptz NOT NULL,
                offset_minutes  integer NOT NULL,
                CHECK ((event_id IS NULL) <> (occurrence_id IS NULL))
            );
            CREATE INDEX reminders_event ON reminders (event_id) WHERE event_id IS NOT NULL;
            CREATE INDEX reminders_occurrence ON reminders (occurrence_id) WHERE occurrence_id IS NOT NULL;
            CREATE INDEX reminders_subscription ON reminders (subscription_id);

            -- Targets whose reminders are to be planned again: written by the triggers below in the
            -- transaction of the change itself, so a change is never committed without its request; a
            -- job plans them (one set-based statement per target) without holding up that change.
            CREATE TABLE reminder_plans (
                kind         text NOT NULL CHECK (kind IN ('event', 'occurrence', 'subscription')),
                target_id    uuid NOT NULL,
                requested_at timestamptz NOT NULL,
                PRIMARY KEY (kind, target_id)
            );

            CREATE FUNCTION request_reminder_plan(plan_kind text, plan_target uuid) RETURNS void
                LANGUAGE sql AS $$
                INSERT INTO reminder_plans (kind, target_id, requested_at) VALUES (plan_kind, plan_target, clock_timestamp())
                ON CONFLICT (kind, target_id) DO UPDATE SET requested_at = EXCLUDED.requested_at
            $$;

            -- An event's reminders depend on whether the public sees it, when it starts, and where
            -- (country, hall's venue): not on its words, which the reminder reads when it is sent.
            CREATE FUNCTION events_request_reminder_plan() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    IF NEW.published THEN PERFORM request_reminder_plan('event', NEW.id); END IF;
                ELSIF (OLD.published, OLD.starts_at, OLD.country, OLD.hall_id) IS DISTINCT FROM (NEW.published, NEW.starts_at, NEW.country, NEW.hall_id) THEN
                    PERFORM request_reminder_plan('event', NEW.id);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER events_reminder_plan AFTER INSERT OR UPDATE ON events
                FOR EACH ROW EXECUTE FUNCTION events_request_reminder_plan();

            CREATE FUNCTION occurrences_request_reminder_plan() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' OR OLD.silence_at IS DISTINCT FROM NEW.silence_at THEN
                    PERFORM request_reminder_plan('occurrence', NEW.id);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER occurrences_reminder_plan AFTER INSERT OR UPDATE ON occurrences
                FOR EACH ROW EXECUTE FUNCTION occurrences_request_reminder_plan();

            -- A venue joining or leaving an occurrence, or its minute moving, changes what the people
            -- who follow that venue are reminded of.
            CREATE FUNCTION occurrence_venues_request_reminder_plan() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    PERFORM request_reminder_plan('occurrence', OLD.occurrence_id);
                ELSIF TG_OP = 'INSERT' OR OLD.begins_at IS DISTINCT FROM NEW.begins_at THEN
                    PERFORM request_reminder_plan('occurrence', NEW.occurrence_id);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER occurrence_venues_reminder_plan AFTER INSERT OR UPDATE OR DELETE ON occurrence_venues
                FOR EACH ROW EXECUTE FUNCTION occurrence_venues_request_reminder_plan();
            """);
    }
}
