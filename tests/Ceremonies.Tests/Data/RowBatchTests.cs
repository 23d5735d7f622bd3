using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Bookings;
using Ceremonies.Infrastructure.Email;
using Ceremonies.Infrastructure.Time;
using Microsoft.EntityFrameworkCore;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using Npgsql;

namespace Ceremonies.Tests.Data;

// The rows written by hand (RowBatch) must be the rows EF would write and read: same columns, same
// values back, and all of a batch or none of it.
[Collection(AppTests.Name)]
public sealed partial class RowBatchTests(AppFixture fixture)
{
    // Microseconds: what PostgreSQL keeps of an instant.
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 30, 15, 123, 456, TimeSpan.Zero);

    [Fact]
    public async Task EachHandWrittenInsertNamesExactlyTheColumnsEfMaps()
    {
        var world = await World.CreateAsync(fixture);
        var (booking, audit, mail) = Rows(world);
        await fixture.App.InScopeAsync<CeremoniesDb, bool>(db =>
        {
            Assert.Equal(MappedColumns<Booking>(db), InsertedColumns(booking.Insert()));
            Assert.Equal(MappedColumns<AuditEntry>(db), InsertedColumns(audit.Insert()));
            Assert.Equal(MappedColumns<OutboxMessage>(db), InsertedColumns(mail.Insert()));
            return Task.FromResult(true);
        });
    }

    [Fact]
    public async Task RowsWrittenInOneBatchReadBackThroughEfAsTheyWereWritten()
    {
        var world = await World.CreateAsync(fixture);
        var (request, audit, mail) = Rows(world); // a request: expiry, series and notes set, no decision
        var decided = StaffBooking(world); // confirmed by staff with a reason: decision set, the others null

        await fixture.App.InScopeAsync<CeremoniesDb, bool>(async db =>
        {
            await db.InsertAsync([request.Insert(), decided.Insert(), audit.Insert(), mail.Insert()], CancellationToken.None);
            return true;
        });

        foreach (var booking in new[] { request, decided })
        {
            var stored = await fixture.App.InScopeAsync<CeremoniesDb, Booking>(db => db.Bookings.AsNoTracking().SingleAsync(b => b.Id == booking.Id));
            Assert.NotEqual(0u, stored.Version);
            stored.Version = booking.Version;
            Assert.Equivalent(booking, stored, strict: true);
        }
        var (storedAudit, storedMail) = await fixture.App.InScopeAsync<CeremoniesDb, (AuditEntry, OutboxMessage)>(async db => (
            await db.AuditLog.AsNoTracking().SingleAsync(a => a.EntityId == request.Id.ToString()),
            await db.Outbox.AsNoTracking().SingleAsync(m => m.Id == mail.Id)));
        Assert.True(storedAudit.Id > 0);
        Assert.Equivalent(new { audit.At, audit.ActorId, audit.Actor, audit.Action, audit.EntityType, audit.EntityId, audit.Before },
            new { storedAudit.At, storedAudit.ActorId, storedAudit.Actor, storedAudit.Action, storedAudit.EntityType, storedAudit.EntityId, storedAudit.Before }, strict: true);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(audit.After!), JsonNode.Parse(storedAudit.After!)), storedAudit.After); // jsonb reorders keys
        Assert.Equivalent(mail, storedMail, strict: true);
    }

    [Fact]
    public async Task ABatchWhoseLastRowIsRefusedLeavesNoneOfItsRows()
    {
        var world = await World.CreateAsync(fixture);
        var (booking, audit, mail) = Rows(world);
        await fixture.App.InScopeAsync<CeremoniesDb, bool>(async db =>
        {
            await db.InsertAsync([mail.Insert()], CancellationToken.None);
            return true;
        });
        var again = OutboxMessage.Email(mail.IdempotencyKey, mail.Recipient, mail.Subject, mail.BodyText, null, Now); // same key: refused

        var refused = await Assert.ThrowsAsync<PostgresException>(() => fixture.App.InScopeAsync<CeremoniesDb, bool>(async db =>
        {
            await db.InsertAsync([booking.Insert(), audit.Insert(), again.Insert()], CancellationToken.None);
            return true;
        }));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, refused.SqlState);
        Assert.False(await fixture.App.InScopeAsync<CeremoniesDb, bool>(db => db.Bookings.AnyAsync(b => b.Id == booking.Id)));
        Assert.False(await fixture.App.InScopeAsync<CeremoniesDb, bool>(db => db.AuditLog.AnyAsync(a => a.EntityId == booking.Id.ToString())));
    }

    // A request (so the nullable columns hold values) with its audit entry and mail.
    private static (Booking, AuditEntry, OutboxMessage) Rows(World world)
    {
        var day = world.FreeDay();
        var zone = world.Memorial.TimeZone;
        var span = new ZonedSpan(ZonedTime.Resolve(day.AddHours(10), zone)!.Value, ZonedTime.Resolve(day.AddHours(11).AddMinutes(30), zone)!.Value);
        var asker = world.Person(Who.Organizer).Id;
        var booking = Booking.New(world.AssemblyHall, span, "Wreath-laying, Nizami street", BookingKind.CommemorationCeremony, 40,
            "organizer@example.test", "Flowers arrive at 9:45.", asker, byStaff: false, TimeSpan.FromDays(3), Now, seriesId: Guid.CreateVersion7(Now));
        var audit = AuditEntry.Of(asker, "organizer@example.test", "booking.requested", "booking", booking.Id, null, BookingView.Of(booking), Now);
        var mail = OutboxMessage.Email($"row-batch:{booking.Id}", "organizer@example.test", "Request received", "Text", "<p>Html</p>", Now,
            dueAt: Now.AddMinutes(1), deadline: Now.AddDays(1),
            attachments: [new EmailAttachment("request.ics", "text/calendar; method=PUBLISH", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"u8.ToArray())],
            headers: new Dictionary<string, string> { ["Auto-Submitted"] = "auto-generated", ["X-Ceremonies-Booking"] = booking.Id.ToString() });
        return (booking, audit, mail);
    }

    private static Booking StaffBooking(World world)
    {
        var day = world.FreeDay();
        var zone = world.Memorial.TimeZone;
        var span = new ZonedSpan(ZonedTime.Resolve(day.AddHours(14), zone)!.Value, ZonedTime.Resolve(day.AddHours(15), zone)!.Value);
        var booking = Booking.New(world.AssemblyHall, span, "Memorial lecture", BookingKind.OfficialEvent, 120, "staff@example.test", null,
            world.Person(Who.Staff).Id, byStaff: true, TimeSpan.FromDays(3), Now);
        booking.Reason = "Agreed with the lecturer by telephone.";
        return booking;
    }

    private static List<string> MappedColumns<T>(CeremoniesDb db) =>
        [.. db.Model.FindEntityType(typeof(T))!.GetProperties()
            .Where(p => p.GetColumnName() != "xmin" && p.GetValueGenerationStrategy() == NpgsqlValueGenerationStrategy.None) // not the row version, nor an identity
            .Select(p => p.GetColumnName())
            .Order()];

    private static List<string> InsertedColumns(NpgsqlBatchCommand insert) =>
        [.. ColumnList().Match(insert.CommandText).Groups[1].Value.Split(", ").Order()];

    [GeneratedRegex(@"^INSERT INTO \w+ \(([^)]*)\) VALUES")]
    private static partial Regex ColumnList();
}
