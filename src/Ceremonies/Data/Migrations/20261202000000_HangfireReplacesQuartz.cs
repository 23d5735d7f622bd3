using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// Hangfire runs the background jobs now, in its own schema ("hangfire", created by Hangfire.PostgreSql
// when a process first uses it). Quartz's clustered store and the job runs the app recorded for it
// go: Hangfire keeps its own job history, shown on its dashboard.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261202000000_HangfireReplacesQuartz")]
public sealed class HangfireReplacesQuartz : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            DROP SCHEMA IF EXISTS quartz CASCADE;
            DROP TABLE IF EXISTS job_runs;
            """);
    }
}
