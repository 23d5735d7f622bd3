using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Ceremonies.Infrastructure.Email;

internal sealed class SmtpEmailSender(SmtpConnections connections, IOptions<EmailOptions> email) : IEmailSender
{
    private readonly MailboxAddress _from = new(email.Value.FromName, email.Value.FromAddress);

    public string MessageIdDomain => _from.Domain;

    public int Concurrency => connections.Size;

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        // Disposed once sent: its parts' content goes back to MimeKit's buffer pool.
        using var mime = Build(message, _from);
        await connections.SendAsync(mime, cancellationToken);
    }

    // Only an address with a domain: the outbox gives up at once on one that MimeKit refuses here.
    private static readonly ParserOptions Addresses = new() { AllowAddressesWithoutDomain = false };

    // Text and HTML as multipart/alternative, attachments beside them (multipart/mixed). Names and
    // subjects in any script are written as RFC 2047 encoded words; MailKit picks the transfer
    // encoding of each part for what the server accepts (8BITMIME or not).
    internal static MimeMessage Build(EmailMessage message, MailboxAddress from)
    {
        EmailHeaders.Check(message.Headers);
        var mime = new MimeMessage
        {
            // Message-Id is kept without its angle brackets; MimeKit writes them.
            MessageId = message.MessageId.TrimStart('<').TrimEnd('>'),
            Subject = message.Subject,
        };
        // A copy: an address list subscribes to the Changed event of every address added to it, so
        // adding the one shared sender address kept every message ever built alive (a leak that
        // grew by each email's whole MIME tree).
        mime.From.Add(new MailboxAddress(from.Name, from.Address));
        mime.To.Add(MailboxAddress.Parse(Addresses, message.To));
        foreach (var (name, value) in message.Headers)
        {
            mime.Headers.Add(name, Encoding.UTF8, value);
        }
        var body = new BodyBuilder { TextBody = message.Text, HtmlBody = message.Html };
        foreach (var attachment in message.Attachments)
        {
            body.Attachments.Add(attachment.FileName, attachment.Content, ContentType.Parse(attachment.MediaType));
        }
        mime.Body = body.ToMessageBody();
        return mime;
    }
}
