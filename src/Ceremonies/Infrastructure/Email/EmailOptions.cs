using System.ComponentModel.DataAnnotations;

namespace Ceremonies.Infrastructure.Email;

public sealed class EmailOptions
{
    public const string Section = "Email";

    [Required, EmailAddress]
    public string FromAddress { get; set; } = "no-reply@ceremonies.local";

    [Required, StringLength(100)]
    public string FromName { get; set; } = "Ceremonies";
}

public sealed class SmtpOptions
{
    public const string Section = "Email:Smtp";

    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    public bool EnableSsl { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 30;
}
