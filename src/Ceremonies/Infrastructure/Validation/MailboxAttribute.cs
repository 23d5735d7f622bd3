using System.ComponentModel.DataAnnotations;
using MimeKit;

namespace Ceremonies.Infrastructure.Validation;

// An address mail can be sent to, as it is kept: what the actions store is the text trimmed, so
// that is what is checked. [EmailAddress] only asks for one '@' not at either end: " @b" passed
// it and, trimmed, was refused by the database; "a b@c" passed and was refused by the mail server.
// Here the trimmed text must read as a bare address (no display name, no route), a local part
// and a domain, as MimeKit, which sends it, reads it.
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class MailboxAttribute : DataTypeAttribute
{
    // A data type, as [EmailAddress] is: forms render the field as type="email".
    public MailboxAttribute() : base(DataType.EmailAddress)
    {
        ErrorMessage = "'{0}' must be an email address such as name@example.org.";
    }

    public static bool IsValid(string? text)
    {
        var address = text?.Trim();
        return address is { Length: >= 3 }
            && !address.Any(char.IsWhiteSpace)
            && MailboxAddress.TryParse(address, out var mailbox)
            && string.IsNullOrEmpty(mailbox.Name)
            && mailbox.Route.Count == 0
            && mailbox.Address == address
            && mailbox.LocalPart.Length > 0
            && mailbox.Domain.Length > 0;
    }

    public override bool IsValid(object? value) => value is null || IsValid(value as string);
}
