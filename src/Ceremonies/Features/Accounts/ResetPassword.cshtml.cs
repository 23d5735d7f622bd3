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

[EnableRateLimiting(RateLimits.SignIn)]
public sealed class ResetPasswordModel(UserManager<IdentityUser<Guid>> users) : PageModel
{
    public sealed class ResetInput
    {
        [Required, Mailbox, StringLength(256)]
        public string Email { get; set; } = "";

        [Required, StringLength(2000)]
        public string Code { get; set; } = "";

        [Required, StringLength(200)]
        public string Password { get; set; } = "";
    }

    [BindProperty]
    public ResetInput Input { get; set; } = new();

    public bool Done { get; private set; }

    public void OnGet(string? email, string? code) => Input = new ResetInput { Email = email ?? "", Code = code ?? "" };

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var user = await users.FindByEmailAsync(Input.Email);
        IdentityResult result;
        try
        {
            // The code in the mail is the base64url form of Identity's token, as the account API sends it.
            var token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(Input.Code));
            result = user is null ? IdentityResult.Failed() : await users.ResetPasswordAsync(user, token, Input.Password);
        }
        catch (FormatException)
        {
            result = IdentityResult.Failed();
        }
        if (!result.Succeeded)
        {
            var passwordErrors = result.Errors.Where(e => e.Code.Contains("Password", StringComparison.Ordinal)).ToList();
            foreach (var error in passwordErrors)
            {
                ModelState.AddModelError("Input.Password", error.Description);
            }
            if (passwordErrors.Count == 0)
            {
                ModelState.AddModelError(string.Empty, "This reset code is not valid for this address any more. Ask for a new one.");
            }
            return Page();
        }
        Done = true;
        return Page();
    }
}
