namespace Ceremonies.Infrastructure.Email;

public sealed record EmailMessage(string To, string Subject, string Text, string? Html, string MessageId);

// The one seam between the service and its mail transport: System.Net.Mail today, a faster
// transport later, without touching the callers.
public interface IEmailSender
{
    string MessageIdDomain { get; }

    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}
