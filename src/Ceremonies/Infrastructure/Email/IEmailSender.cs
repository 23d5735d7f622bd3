namespace Ceremonies.Infrastructure.Email;

public sealed record EmailAttachment(string FileName, string MediaType, byte[] Content);

public sealed record EmailMessage(string To, string Subject, string Text, string? Html, string MessageId)
{
    public IReadOnlyList<EmailAttachment> Attachments { get; init; } = [];

    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmailHeaders.None;
}

// The one seam between the service and its mail transport: MimeKit and MailKit over SMTP (SmtpEmailSender).
public interface IEmailSender
{
    string MessageIdDomain { get; }

    // How many messages it can carry at once; the outbox sends that many together.
    int Concurrency { get; }

    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}
