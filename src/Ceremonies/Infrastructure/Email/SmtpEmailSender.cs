using System.Net;
using System.Net.Mail;
using System.Net.Mime;
using Microsoft.Extensions.Options;

namespace Ceremonies.Infrastructure.Email;

internal sealed class SmtpEmailSender(IOptions<EmailOptions> email, IOptions<SmtpOptions> smtp) : IEmailSender
{
    private readonly EmailOptions _options = email.Value;
    private readonly SmtpOptions _smtp = smtp.Value;

    public string MessageIdDomain => new MailAddress(_options.FromAddress).Host;

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        using var mail = new MailMessage
        {
            From = new MailAddress(_options.FromAddress, _options.FromName),
            Subject = message.Subject,
            Body = message.Text,
            IsBodyHtml = false,
            BodyEncoding = System.Text.Encoding.UTF8,
            SubjectEncoding = System.Text.Encoding.UTF8,
        };
        mail.To.Add(message.To);
        mail.Headers.Add("Message-ID", message.MessageId);
        if (message.Html is not null)
        {
            mail.AlternateViews.Add(AlternateView.CreateAlternateViewFromString(
                message.Html, System.Text.Encoding.UTF8, MediaTypeNames.Text.Html));
        }

        // SmtpClient is not safe to share between concurrent sends; one per message keeps it simple.
        using var client = new SmtpClient(_smtp.Host, _smtp.Port)
        {
            EnableSsl = _smtp.EnableSsl,
            Timeout = _smtp.TimeoutSeconds * 1000,
            DeliveryMethod = SmtpDeliveryMethod.Network,
        };
        if (!string.IsNullOrEmpty(_smtp.UserName))
        {
            client.Credentials = new NetworkCredential(_smtp.UserName, _smtp.Password);
        }
        await client.SendMailAsync(mail, cancellationToken);
    }
}
