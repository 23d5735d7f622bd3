using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Ceremonies.Data.Migrations;

// Each subscribe request counts the subscription mails its address had in the last day (at most a
// few per address are sent, whatever it is asked to follow). Only those mails are in this index.
[DbContext(typeof(CeremoniesDb))]
[Migration("20261203110000_SubscriptionMailIndex")]
public sealed class SubscriptionMailIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE INDEX outbox_messages_subscription_mail ON outbox_messages (lower(recipient), created_at)
             WHERE idempotency_key LIKE 'subscription:%';
            """);
    }
}
