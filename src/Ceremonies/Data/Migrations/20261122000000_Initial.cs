using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

[DbContext(typeof(CeremoniesDb))]
[Migration("20261122000000_Initial")]
public sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            -- Exclusion constraints over (hall, time range) need btree_gist; it is a trusted extension.
            CREATE EXTENSION IF NOT EXISTS btree_gist;

            -- Quartz provisions its qrtz_* tables here when a scheduler first starts.
            CREATE SCHEMA IF NOT EXISTS quartz;

            CREATE TABLE outbox_messages (
                id              uuid PRIMARY KEY,
                idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 400),
                recipient       text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 320),
                subject         text NOT NULL,
                body_text       text NOT NULL,
                body_html       text,
                created_at      timestamptz NOT NULL,
                due_at          timestamptz NOT NULL,
                deadline_at     timestamptz,
                state           text NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'sent', 'dead', 'cancelled')),
                attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                last_error      text,
                locked_by       text,
                locked_until    timestamptz,
                sent_at         timestamptz,
                CONSTRAINT outbox_messages_idempotency_key UNIQUE (idempotency_key),
                CONSTRAINT outbox_messages_sent_has_time CHECK ((state = 'sent') = (sent_at IS NOT NULL))
            );
            -- The dispatcher's claim reads only pending rows in due order.
            CREATE INDEX outbox_messages_pending_due ON outbox_messages (due_at) WHERE state = 'pending';

            CREATE TABLE job_runs (
                id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                job           text NOT NULL,
                fire_id       text NOT NULL,
                scheduled_for timestamptz,
                fired_at      timestamptz NOT NULL,
                finished_at   timestamptz NOT NULL,
                node          text NOT NULL,
                succeeded     boolean NOT NULL,
                error         text
            );
            CREATE INDEX job_runs_job_fired_at ON job_runs (job, fired_at DESC);
            CREATE INDEX job_runs_fired_at ON job_runs (fired_at);
            """);
    }
}
