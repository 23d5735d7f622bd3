using System.ComponentModel.DataAnnotations;
using System.Text;
using Ceremonies.Infrastructure.Security;
using Ceremonies.Infrastructure.Validation;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.WebUtilities;

namespace Ceremonies.Features.Accounts;

// Answers the same whether or not the address has an account, so the form reveals no accounts.
[EnableRateLimiting(RateLimits.AccountMail)]
public sealed class ForgotPasswordModel(UserManager<IdentityUser<Guid>> users, IEmailSender<IdentityUser<Guid>> mail) : PageModel
{
    [BindProperty, Required, Mailbox, StringLength(256)]
    public string Email { get; set; } = "";

    public bool Sent { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var user = await users.FindByEmailAsync(Email);
        if (user is not null && await users.IsEmailConfirmedAsync(user))
        {
            var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await users.GeneratePasswordResetTokenAsync(user)));
            await mail.SendPasswordResetCodeAsync(user, Email, code);
        }
        Sent = true;
        return Page();
    }
}
