using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// Every process may keep venues, halls and memberships in memory; a change to any of them, by any
// process or by hand in psql, tells all of them to forget what they hold. PostgreSQL delivers the
// notification when the change commits, once per transaction and channel.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261122050000_ReferenceDataNotify")]
public sealed class ReferenceDataNotify : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE FUNCTION reference_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('ceremonies_reference_data', TG_TABLE_NAME);
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER venues_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON venues
                FOR EACH STATEMENT EXECUTE FUNCTION reference_data_changed();
            CREATE TRIGGER halls_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON halls
                FOR EACH STATEMENT EXECUTE FUNCTION reference_data_changed();
            CREATE TRIGGER venue_memberships_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON venue_memberships
                FOR EACH STATEMENT EXECUTE FUNCTION reference_data_changed();
            """);
    }
}
