using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Ceremonies.Infrastructure.Email;

public sealed class EmailOptions
{
    public const string Section = "Email";

    [Required, EmailAddress]
    public string FromAddress { get; set; } = "no-reply@ceremonies.local";

    [Required, StringLength(100)]
    public string FromName { get; set; } = "Ceremonies";
}

public enum SmtpSecurity
{
    None,
    StartTls,
    SslOnConnect,
    Auto,
}

public sealed class SmtpOptions
{
    public const string Section = "Email:Smtp";

    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    // Unset, EnableSsl decides, as it did before Security existed: true meant STARTTLS (what
    // System.Net.Mail did with it), false plain SMTP.
    public SmtpSecurity? Security { get; set; }

    public bool EnableSsl { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 30;

    // Connections kept open to the server, each carrying one message at a time; also how many
    // messages the outbox sends at once. A send waits mostly for the server's answers, so more
    // connections than cores pay: 12 sent 1,850 msg/s here where 4 sent 1,430 (ops/bench/mail).
    [Range(1, 64)]
    public int Connections { get; set; } = 12;

    public SecureSocketOptions SocketOptions => (Security ?? (EnableSsl ? SmtpSecurity.StartTls : SmtpSecurity.None)) switch
    {
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.Auto => SecureSocketOptions.Auto,
        _ => SecureSocketOptions.None,
    };
}
