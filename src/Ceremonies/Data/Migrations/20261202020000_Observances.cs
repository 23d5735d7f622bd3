using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// The annual observance (a date rule and the moment of the minute of silence), its occurrence each
// year, the venues taking part with the instant of the minute on their own clocks, and the signals
// each venue's PA system is sent: one row per occurrence × venue × signal, so a signal is claimed,
// sent and recorded once, whichever worker takes it.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261202020000_Observances")]
public sealed class Observances : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE TABLE observances (
                id                     uuid PRIMARY KEY,
                name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                description            text CHECK (length(description) <= 4000),
                month                  smallint NOT NULL CHECK (month BETWEEN 1 AND 12),
                day                    smallint NOT NULL CHECK (day BETWEEN 1 AND 31),
                silence_local_time     time NOT NULL,
                reference_zone         text NOT NULL CHECK (length(reference_zone) BETWEEN 1 AND 100),
                mode                   text NOT NULL CHECK (mode IN ('one_instant', 'local_time')),
                host_venue_id          uuid REFERENCES venues (id),
                notice_minutes_before  integer NOT NULL CHECK (notice_minutes_before BETWEEN 1 AND 20160),
                prepare_minutes_before integer NOT NULL CHECK (prepare_minutes_before BETWEEN 1 AND 1440),
                silence_seconds        integer NOT NULL CHECK (silence_seconds BETWEEN 10 AND 3600),
                created_at             timestamptz NOT NULL,
                updated_at             timestamptz NOT NULL,
                CHECK (prepare_minutes_before < notice_minutes_before)
            );

            CREATE TABLE occurrences (
                id             uuid PRIMARY KEY,
                observance_id  uuid NOT NULL REFERENCES observances (id) ON DELETE CASCADE,
                year           integer NOT NULL CHECK (year BETWEEN 2000 AND 2200),
                local_date     date NOT NULL,
                silence_at     timestamptz NOT NULL,
                created_at     timestamptz NOT NULL,
                UNIQUE (observance_id, year)
            );

            -- A venue's minute as it keeps it: local date and time in its zone, and the instant.
            -- Recomputed from the rule when a zone's rules change; time_rule records a clock change
            -- that moved it.
            CREATE TABLE occurrence_venues (
                occurrence_id  uuid NOT NULL REFERENCES occurrences (id) ON DELETE CASCADE,
                venue_id       uuid NOT NULL REFERENCES venues (id),
                time_zone      text NOT NULL,
                local_date     date NOT NULL,
                local_time     time NOT NULL,
                begins_at      timestamptz NOT NULL,
                ends_at        timestamptz NOT NULL CHECK (ends_at > begins_at),
                different_day  boolean NOT NULL,
                time_rule      text NOT NULL CHECK (time_rule IN ('exact', 'after_skipped_hour', 'first_of_repeated_hour')),
                joined_at      timestamptz NOT NULL,
                ready_at       timestamptz,
                ready_by       text CHECK (length(ready_by) <= 200),
                PRIMARY KEY (occurrence_id, venue_id)
            );
            CREATE INDEX ix_occurrence_venues_venue_id ON occurrence_venues (venue_id);

            -- deadline_at: nothing is sent after it (a begin after the minute has ended).
            CREATE TABLE signal_deliveries (
                id             uuid PRIMARY KEY,
                occurrence_id  uuid NOT NULL,
                venue_id       uuid NOT NULL,
                signal         text NOT NULL CHECK (signal IN ('notice', 'prepare', 'begin', 'end')),
                due_at         timestamptz NOT NULL,
                deadline_at    timestamptz NOT NULL CHECK (deadline_at > due_at),
                state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'skipped', 'cancelled')),
                attempts       integer NOT NULL DEFAULT 0,
                locked_by      text,
                locked_until   timestamptz,
                delivered_at   timestamptz,
                last_status    integer,
                last_error     text CHECK (length(last_error) <= 1000),
                UNIQUE (occurrence_id, venue_id, signal),
                FOREIGN KEY (occurrence_id, venue_id) REFERENCES occurrence_venues (occurrence_id, venue_id) ON DELETE CASCADE
            );
            CREATE INDEX signal_deliveries_pending_due ON signal_deliveries (due_at) WHERE state = 'pending';

            -- Every attempt at a delivery, for the board and for whoever asks why a venue heard nothing.
            CREATE TABLE signal_attempts (
                id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                delivery_id    uuid NOT NULL REFERENCES signal_deliveries (id) ON DELETE CASCADE,
                node           text NOT NULL,
                attempted_at   timestamptz NOT NULL,
                elapsed_ms     integer NOT NULL,
                status         integer,
                error          text CHECK (length(error) <= 1000)
            );
            CREATE INDEX ix_signal_attempts_delivery_id ON signal_attempts (delivery_id);
            """);
    }
}
