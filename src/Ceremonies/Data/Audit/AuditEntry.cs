using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Npgsql;

namespace Ceremonies.Data.Audit;

// Append-only (a trigger refuses UPDATE and DELETE): who changed what, when, and how it looked
// before and after. Added to the same SaveChanges as the change, so one never exists without the other.
public sealed class AuditEntry
{
    public long Id { get; init; }
    public required DateTimeOffset At { get; init; }
    public Guid? ActorId { get; init; }
    public string? Actor { get; init; }
    public required string Action { get; init; }
    public required string EntityType { get; init; }
    public required string EntityId { get; init; }
    public string? Before { get; init; }
    public string? After { get; init; }

    public static AuditEntry Of(ClaimsPrincipal actor, string action, string entityType, object entityId, object? before, object? after, DateTimeOffset at) =>
        Of(Guid.TryParse(actor.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null, actor.Identity?.Name,
            action, entityType, entityId, before, after, at);

    // For changes no person made: a job, the system itself ("system: request expiry").
    public static AuditEntry Of(Guid? actorId, string? actor, string action, string entityType, object entityId, object? before, object? after, DateTimeOffset at) =>
        new()
        {
            At = at,
            ActorId = actorId,
            Actor = actor,
            Action = action,
            EntityType = entityType,
            EntityId = Convert.ToString(entityId, System.Globalization.CultureInfo.InvariantCulture) ?? "",
            Before = before is null ? null : JsonSerializer.Serialize(before, JsonSerializerOptions.Web),
            After = after is null ? null : JsonSerializer.Serialize(after, JsonSerializerOptions.Web),
        };

    private static string? _insertSql;

    // The row as a batch command (RowBatch), for writes that do not go through EF; the id is the
    // identity column's.
    public NpgsqlBatchCommand Insert() => RowBatch.Insert(ref _insertSql, "audit_log",
        ("at", RowBatch.Value(At)),
        ("actor_id", RowBatch.Value(ActorId)),
        ("actor", RowBatch.Value(Actor)),
        ("action", RowBatch.Value(Action)),
        ("entity_type", RowBatch.Value(EntityType)),
        ("entity_id", RowBatch.Value(EntityId)),
        ("before", RowBatch.Jsonb(Before)),
        ("after", RowBatch.Jsonb(After)));
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_log");
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.Property(a => a.Before).HasColumnType("jsonb");
        builder.Property(a => a.After).HasColumnType("jsonb");
    }
}

public static class AuditSets
{
    extension(CeremoniesDb db)
    {
        public DbSet<AuditEntry> AuditLog => db.Set<AuditEntry>();

        public void Audit(ClaimsPrincipal actor, string action, string entityType, object entityId, object? before, object? after, DateTimeOffset at) =>
            db.Set<AuditEntry>().Add(AuditEntry.Of(actor, action, entityType, entityId, before, after, at));

        public void Audit(Guid? actorId, string? actor, string action, string entityType, object entityId, object? before, object? after, DateTimeOffset at) =>
            db.Set<AuditEntry>().Add(AuditEntry.Of(actorId, actor, action, entityType, entityId, before, after, at));
    }
}
