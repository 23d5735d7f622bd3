using System.Security.Cryptography;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Subscriptions;

public sealed class SubscriptionOptions
{
    public const string Section = "Subscriptions";

    // How long a confirmation link works.
    [System.ComponentModel.DataAnnotations.Range(1, 60)]
    public int ConfirmationDays { get; set; } = 7;

    // A stopped subscription (its address) is deleted this long after it was stopped; until then its
    // links still say it is stopped and can start it again.
    [System.ComponentModel.DataAnnotations.Range(1, 3650)]
    public int KeepStoppedDays { get; set; } = 30;

    // At most this many confirmation and "already subscribed" mails go to one address in a day,
    // whatever it is asked to follow: anyone may type someone else's address into the form.
    [System.ComponentModel.DataAnnotations.Range(1, 1000)]
    public int MailsPerAddressPerDay { get; set; } = 10;
}

// The subscriber's links carry the subscription's id protected by the app's keys (Data Protection):
// signed and encrypted, so no token is stored and none can be made up. A confirmation link expires;
// the links to change or stop the reminders do not, so an old email can always unsubscribe.
public sealed class SubscriptionLinks(IDataProtectionProvider protection, IOptions<SiteOptions> site, IOptions<SubscriptionOptions> options, TimeProvider clock)
{
    // The expiry is part of the protected text, read against the service's clock.
    private readonly IDataProtector _confirm = protection.CreateProtector("Ceremonies.Subscriptions.Confirm");
    private readonly IDataProtector _manage = protection.CreateProtector("Ceremonies.Subscriptions.Manage");

    public int ConfirmationDays => options.Value.ConfirmationDays;

    public string ConfirmToken(Guid id) =>
        _confirm.Protect($"{id:N}:{clock.GetUtcNow().AddDays(ConfirmationDays).ToUnixTimeSeconds()}");

    public string ManageToken(Guid id) => _manage.Protect(id.ToString("N"));

    public Uri ConfirmPage(Guid id) => site.Value.Link($"subscriptions/confirm?token={Uri.EscapeDataString(ConfirmToken(id))}");

    public Uri UnsubscribePage(string manageToken) => site.Value.Link($"subscriptions/unsubscribe?token={Uri.EscapeDataString(manageToken)}");

    // The List-Unsubscribe address (RFC 8058): a mail client POSTs "List-Unsubscribe=One-Click" to it.
    public Uri OneClick(string manageToken) => site.Value.Link($"api/subscriptions/unsubscribe?token={Uri.EscapeDataString(manageToken)}");

    public Uri PreferencesPage(string manageToken) => site.Value.Link($"subscriptions/preferences?token={Uri.EscapeDataString(manageToken)}");

    public Uri Site(string path) => site.Value.Link(path);

    public TokenRead ReadConfirm(string? token)
    {
        if (Unprotect(_confirm, token) is not { } text
            || text.Split(':') is not [var id, var until]
            || !Guid.TryParseExact(id, "N", out var subscription)
            || !long.TryParse(until, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return TokenRead.Invalid;
        }
        // An expired link still names its subscription, so that a page can say what to subscribe to again.
        return new TokenRead(subscription, clock.GetUtcNow().ToUnixTimeSeconds() >= seconds);
    }

    public TokenRead ReadManage(string? token) =>
        Guid.TryParseExact(Unprotect(_manage, token), "N", out var id) ? new TokenRead(id, false) : TokenRead.Invalid;

    private static string? Unprotect(IDataProtector protector, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 2000)
        {
            return null;
        }
        try
        {
            return protector.Unprotect(token);
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public readonly record struct TokenRead(Guid? Id, bool Expired)
{
    public static readonly TokenRead Invalid = new(null, false);
}
