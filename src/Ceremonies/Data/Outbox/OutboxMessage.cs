using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ceremonies.Infrastructure.Email;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;

namespace Ceremonies.Data.Outbox;

public enum OutboxState
{
    Pending,
    Sent,
    Dead,
    Cancelled,
}

// An email waiting to be sent. It is added to the same SaveChanges (hence the same transaction) as
// the change that causes it, so a change is never committed without its message, nor the reverse.
public sealed class OutboxMessage
{
    public const int MaxKeyLength = 400;

    public required Guid Id { get; init; }
    public required string IdempotencyKey { get; init; }
    public required string Recipient { get; init; }
    public required string Subject { get; init; }
    public required string BodyText { get; init; }
    public string? BodyHtml { get; init; }
    public IReadOnlyList<EmailAttachment> Attachments { get; init; } = [];
    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmailHeaders.None;
    // Set for a message whose text is written when it is sent (IOutboxRenderer); its subject and
    // bodies are then empty in the row.
    public string? Renderer { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset DueAt { get; set; }
    public DateTimeOffset? DeadlineAt { get; set; }
    public OutboxState State { get; set; } = OutboxState.Pending;
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public string? LockedBy { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public DateTimeOffset? SentAt { get; set; }

    public static OutboxMessage Email(
        string idempotencyKey, string to, string subject, string text, string? html,
        DateTimeOffset now, DateTimeOffset? dueAt = null, DateTimeOffset? deadline = null,
        IReadOnlyList<EmailAttachment>? attachments = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(idempotencyKey.Length, MaxKeyLength);
        // Refused here, where the caller can still be told, rather than at every sending attempt.
        EmailHeaders.Check(headers ?? EmailHeaders.None);
        return new OutboxMessage
        {
            Id = Guid.CreateVersion7(now),
            IdempotencyKey = idempotencyKey,
            Recipient = to,
            Subject = subject,
            BodyText = text,
            BodyHtml = html,
            Attachments = attachments ?? [],
            Headers = headers ?? EmailHeaders.None,
            CreatedAt = now,
            DueAt = dueAt ?? now,
            DeadlineAt = deadline,
        };
    }

    private static string? _insertSql;

    // The row as a batch command (RowBatch), for writes that do not go through EF.
    public NpgsqlBatchCommand Insert() => RowBatch.Insert(ref _insertSql, "outbox_messages",
        ("id", RowBatch.Value(Id)),
        ("idempotency_key", RowBatch.Value(IdempotencyKey)),
        ("recipient", RowBatch.Value(Recipient)),
        ("subject", RowBatch.Value(Subject)),
        ("body_text", RowBatch.Value(BodyText)),
        ("body_html", RowBatch.Value(BodyHtml)),
        ("attachments", RowBatch.Jsonb(OutboxJson.Write(Attachments))),
        ("headers", RowBatch.Jsonb(OutboxJson.Write(Headers))),
        ("renderer", RowBatch.Value(Renderer)),
        ("created_at", RowBatch.Value(CreatedAt)),
        ("due_at", RowBatch.Value(DueAt)),
        ("deadline_at", RowBatch.Value(DeadlineAt)),
        ("state", RowBatch.Value(SnakeCase.Text(State))),
        ("attempts", RowBatch.Value(Attempts)),
        ("last_error", RowBatch.Value(LastError)),
        ("locked_by", RowBatch.Value(LockedBy)),
        ("locked_until", RowBatch.Value(LockedUntil)),
        ("sent_at", RowBatch.Value(SentAt)));

    // Derived from the key alone, so a message sent again after a crash carries the same Message-ID
    // and the receiving side can recognise the repeat.
    public static string MessageIdFor(string idempotencyKey, string domain)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey));
        return $"<{Convert.ToHexStringLower(hash, 0, 20)}@{domain}>";
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox_messages");
        builder.Property(m => m.State).HasConversion<SnakeCaseEnumConverter<OutboxState>>();
        builder.Property(m => m.Attachments).HasJson();
        builder.Property(m => m.Headers).HasJson();
    }
}

// Attachments (content as base64) and extra headers as jsonb, written alike by EF and by RowBatch.
internal static class OutboxJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new JsonException($"null where {typeof(T).Name} was expected");

    // Compared by their JSON: lists and dictionaries compare by reference.
    public static PropertyBuilder<T> HasJson<T>(this PropertyBuilder<T> property) => property
        .HasColumnType("jsonb")
        .HasConversion(
            new ValueConverter<T, string>(value => Write(value), json => Read<T>(json)),
            new ValueComparer<T>((a, b) => Write(a) == Write(b), value => Write(value).GetHashCode(StringComparison.Ordinal), value => Read<T>(Write(value))));
}

public static class OutboxSets
{
    extension(CeremoniesDb db)
    {
        public DbSet<OutboxMessage> Outbox => db.Set<OutboxMessage>();
    }
}
