using System.Net;
using System.Text.Encodings.Web;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Accounts;

// Identity's account mails go through the outbox like every other mail, so a brief SMTP outage
// delays them rather than losing them. Identity has already saved the user by the time it asks
// for the mail, so this is its own small transaction; a lost one is re-requested from the form.
// Identity's account endpoints take this sender once, at start, so it is a singleton that opens a
// scope (and a DbContext) per message.
internal sealed class AccountEmails(IServiceScopeFactory scopes, TimeProvider clock, IOptions<SiteOptions> site) : IEmailSender<IdentityUser<Guid>>
{
    // Identity hands over links HTML-encoded (for an HTML body) and made from the request's host;
    // these mails are plain text, and their links start with the site's public address.
    public Task SendConfirmationLinkAsync(IdentityUser<Guid> user, string email, string confirmationLink) =>
        EnqueueAsync(user, "confirm", email, "Confirm your email address for Ceremonies",
            $"""
            Someone, hopefully you, created a Ceremonies account with this address.

            To confirm it, open this link:
            {site.Value.Rebase(WebUtility.HtmlDecode(confirmationLink))}

            If it was not you, ignore this message; the account stays unusable without confirmation.
            """);

    public Task SendPasswordResetLinkAsync(IdentityUser<Guid> user, string email, string resetLink) =>
        EnqueueAsync(user, "reset", email, "Reset your Ceremonies password",
            $"""
            A password reset was requested for your Ceremonies account.

            To choose a new password, open this link:
            {site.Value.Rebase(WebUtility.HtmlDecode(resetLink))}

            If you did not ask for this, ignore this message; your password is unchanged.
            """);

    public Task SendPasswordResetCodeAsync(IdentityUser<Guid> user, string email, string resetCode)
    {
        var link = site.Value.Link($"account/reset-password?email={UrlEncoder.Default.Encode(email)}&code={UrlEncoder.Default.Encode(resetCode)}");
        return EnqueueAsync(user, "reset", email, "Reset your Ceremonies password",
            $"""
            A password reset was requested for your Ceremonies account.

            To choose a new password, open this link:
            {link}

            or use this reset code:
            {resetCode}

            If you did not ask for this, ignore this message; your password is unchanged.
            """);
    }

    private async Task EnqueueAsync(IdentityUser<Guid> user, string kind, string email, string subject, string text)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CeremoniesDb>();
        var now = clock.GetUtcNow();
        // Each request is its own message; the key only has to be unique. Links expire, so stop trying after a day.
        db.Outbox.Add(OutboxMessage.Email($"account:{kind}:{user.Id}:{Guid.CreateVersion7(now)}", email, subject, text, null, now, deadline: now.AddDays(1)));
        await db.SaveChangesAsync();
    }
}
