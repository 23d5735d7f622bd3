using System.Collections.Frozen;

namespace Ceremonies.Infrastructure.Email;

// What a message may add to the headers the sender writes (List-Unsubscribe, Reply-To, Auto-Submitted…).
public static class EmailHeaders
{
    public static readonly IReadOnlyDictionary<string, string> None = FrozenDictionary<string, string>.Empty;

    // Written by the sender from the message itself; a second one would contradict it.
    private static readonly FrozenSet<string> Written = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "MIME-Version");

    public static void Check(IReadOnlyDictionary<string, string> headers)
    {
        foreach (var (name, value) in headers)
        {
            // RFC 5322 field names are printable ASCII without a colon.
            if (name.Length == 0 || name.Any(c => c is < '!' or > '~' or ':'))
            {
                throw new ArgumentException($"'{name}' is not a header name", nameof(headers));
            }
            if (Written.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"{name} is written by the sender", nameof(headers));
            }
            // A line break would let a value start headers of its own.
            if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new ArgumentException($"The value of {name} holds a line break", nameof(headers));
            }
        }
    }
}
