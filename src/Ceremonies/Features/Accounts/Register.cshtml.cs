using System.ComponentModel.DataAnnotations;
using System.Text;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Security;
using Ceremonies.Infrastructure.Validation;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Accounts;

// Anyone may register; a new account is an organizer. The account is usable once its address is confirmed.
[EnableRateLimiting(RateLimits.AccountMail)]
public sealed class RegisterModel(UserManager<IdentityUser<Guid>> users, IEmailSender<IdentityUser<Guid>> mail, IOptions<SiteOptions> site) : PageModel
{
    public sealed class RegisterInput
    {
        [Required, Mailbox, StringLength(256)]
        public string Email { get; set; } = "";

        [Required, StringLength(200)]
        public string Password { get; set; } = "";
    }

    [BindProperty]
    public RegisterInput Input { get; set; } = new();

    public bool Registered { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var user = new IdentityUser<Guid> { Id = Guid.CreateVersion7(), UserName = Input.Email, Email = Input.Email };
        var created = await users.CreateAsync(user, Input.Password);
        if (!created.Succeeded)
        {
            foreach (var error in created.Errors)
            {
                var field = error.Code.Contains("Password", StringComparison.Ordinal) ? "Input.Password" : "Input.Email";
                ModelState.AddModelError(field, error.Description);
            }
            return Page();
        }
        var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await users.GenerateEmailConfirmationTokenAsync(user)));
        var path = Url.Page("/Accounts/Confirm", pageHandler: null, values: new { userId = user.Id, code })
            ?? throw new InvalidOperationException("The confirmation page has no route.");
        await mail.SendConfirmationLinkAsync(user, Input.Email, site.Value.Link(path).AbsoluteUri);
        Registered = true;
        return Page();
    }
}
