using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// A message may carry attachments (an .ics invitation) and headers of its own (List-Unsubscribe).
// Both are read only by the sender, whole, so each is one jsonb value on the row; the defaults fill
// the rows already there without rewriting the table.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261202010000_OutboxMimeParts")]
public sealed class OutboxMimeParts : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE outbox_messages
                ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attachments) = 'array'),
                ADD COLUMN headers     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(headers) = 'object');
            """);
    }
}
