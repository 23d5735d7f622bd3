using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Email;

namespace Ceremonies.Infrastructure.Outbox;

// The text of a message written when it is sent rather than when it is queued: the outbox row names
// its renderer and carries no text. Features register theirs (keyed by name); the dispatcher calls
// one with all of a batch's messages that name it.
public interface IOutboxRenderer
{
    // For each message: what to send, a reason not to send it at all (it is then withdrawn, as
    // Cancelled, with that reason), or why it could not be written this time (it is tried again
    // later, as a failed send is). A message missing from the answer is withdrawn. An exception
    // thrown out of the call puts the whole group back for a retry.
    Task<IReadOnlyDictionary<Guid, Rendering>> RenderAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);
}

public sealed record RenderedEmail(string Subject, string Text, string? Html)
{
    public IReadOnlyList<EmailAttachment> Attachments { get; init; } = [];

    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmailHeaders.None;
}

public readonly record struct Rendering(RenderedEmail? Email, string? WithdrawnBecause, Exception? Failure = null)
{
    public static Rendering Send(RenderedEmail email) => new(email, null);

    public static Rendering Withdraw(string reason) => new(null, reason);

    public static Rendering Fail(Exception error) => new(null, null, new RenderingFailedException(error));
}

// A message whose text could not be written: never a reason to give it up at once, as a refused
// address is. Whatever failed (a bug, the database away) may be mended before its last attempt.
public sealed class RenderingFailedException(Exception inner)
    : Exception($"its text could not be written: {inner.Message}", inner);
