using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// A plan that fails (a statement timing out, a bug with one target's data) was the oldest request
// again at the next run, and planning stopped for every other target behind it. A failed request
// now waits a doubling time before it is tried again, and the others go first; a plan that finds
// reminders in flight (leased by a worker) waits a few seconds for them the same way. A new
// change to the same target asks for it at once again.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261203100000_ReminderPlanRetries")]
public sealed class ReminderPlanRetries : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE reminder_plans
                ADD COLUMN attempts   integer NOT NULL DEFAULT 0,
                ADD COLUMN not_before timestamptz,
                ADD COLUMN last_error text CHECK (length(last_error) <= 2000);

            CREATE OR REPLACE FUNCTION request_reminder_plan(plan_kind text, plan_target uuid) RETURNS void
                LANGUAGE sql AS $$
                INSERT INTO reminder_plans (kind, target_id, requested_at) VALUES (plan_kind, plan_target, clock_timestamp())
                ON CONFLICT (kind, target_id) DO UPDATE SET requested_at = EXCLUDED.requested_at, not_before = NULL, attempts = 0
            $$;
            """);
    }
}
