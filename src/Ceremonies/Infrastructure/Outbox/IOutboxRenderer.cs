using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Email;

namespace Ceremonies.Infrastructure.Outbox;

// The text of a message written when it is sent rather than when it is queued: the outbox row names
// its renderer and carries no text. Features register theirs (keyed by name); the dispatcher calls
// one with all of a batch's messages that name it.
public interface IOutboxRenderer
{
    // For each message: what to send, or a reason not to send it at all (it is then withdrawn, as
    // Cancelled, with that reason). A message missing from the answer is withdrawn too.
    Task<IReadOnlyDictionary<Guid, Rendering>> RenderAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);
}

public sealed record RenderedEmail(string Subject, string Text, string? Html)
{
    public IReadOnlyList<EmailAttachment> Attachments { get; init; } = [];

    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmailHeaders.None;
}

public readonly record struct Rendering(RenderedEmail? Email, string? WithdrawnBecause)
{
    public static Rendering Send(RenderedEmail email) => new(email, null);

    public static Rendering Withdraw(string reason) => new(null, reason);
}
