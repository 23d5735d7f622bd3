using System.ComponentModel.DataAnnotations;
using Ceremonies.Infrastructure.Security;
using Ceremonies.Infrastructure.Validation;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Ceremonies.Features.Accounts;

[EnableRateLimiting(RateLimits.SignIn)]
public sealed class SignInModel(SignInManager<IdentityUser<Guid>> signIn) : PageModel
{
    public sealed class SignInInput
    {
        [Required, Mailbox, StringLength(256)]
        public string Email { get; set; } = "";

        [Required, StringLength(200)]
        public string Password { get; set; } = "";
    }

    [BindProperty]
    public SignInInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Problem { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var result = await signIn.PasswordSignInAsync(Input.Email, Input.Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
        }
        Problem = result switch
        {
            { IsLockedOut: true } => "This account is locked after too many failed attempts. Try again in 15 minutes.",
            { IsNotAllowed: true } => "Confirm your email address first: follow the link in the message we sent you.",
            _ => "The email address or the password is not right.",
        };
        return Page();
    }
}
