using System.ComponentModel.DataAnnotations;

namespace Ceremonies.Infrastructure.Http;

// The address people reach the service at: every link in a mail or a calendar feed starts with it.
// A link never takes the host a request named, or a forged Host header would put a password-reset
// link (and its code) on someone else's site.
public sealed class SiteOptions : IValidatableObject
{
    public const string Section = "Site";

    [Required]
    public Uri PublicUrl { get; set; } = new("http://127.0.0.1:8080/");

    // The absolute link to a path of the site ("occurrences/…", with or without a leading slash).
    public Uri Link(string pathAndQuery) => new(PublicUrl, "/" + pathAndQuery.TrimStart('/'));

    // A link made from a request (by a library) moved onto the public address: its path and query kept.
    public Uri Rebase(string link) => Link(new Uri(link, UriKind.Absolute).PathAndQuery);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!PublicUrl.IsAbsoluteUri || PublicUrl.Scheme is not ("http" or "https") || PublicUrl.PathAndQuery != "/")
        {
            yield return new ValidationResult("Give the site's public address as http(s)://host[:port]/, without a path or query.", [nameof(PublicUrl)]);
        }
    }
}
