using System.ComponentModel.DataAnnotations;
using Ceremonies.Infrastructure.Security;
using Ceremonies.Infrastructure.Validation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Ceremonies.Features.Events;

// The event page's registration form posts here: a page of its own so that only registering, which
// sends a mail, counts against the limit per client address, as the API's registration does. A refused
// form is shown again here, with what was typed and what to change.
[EnableRateLimiting(RateLimits.AccountMail)]
public sealed class RegisterModel(EventActions actions, EventAttendance attendance) : PageModel
{
    public sealed class RegistrationInput
    {
        [Required(ErrorMessage = "Give your name.")]
        [StringLength(200, ErrorMessage = "A name has at most 200 characters.")]
        [Display(Name = "Your name")]
        public string? Name { get; set; }

        [Required(ErrorMessage = "Give your email address: the link to confirm is mailed to it.")]
        [Mailbox(ErrorMessage = "Give an email address such as name@example.org.")]
        [StringLength(320, ErrorMessage = "An email address has at most 320 characters.")]
        [Display(Name = "Your email address")]
        public string? Email { get; set; }
    }

    [BindProperty]
    public RegistrationInput Input { get; set; } = new();

    public CommunityEvent Event { get; private set; } = null!; // set by LoadAsync before the page renders

    public string? Refusal { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var outcome = await attendance.RegisterAsync(id, Input.Name!, Input.Email!, cancellationToken); // validated: both given
        switch (outcome.Refusal)
        {
            case AttendanceRefusal.None:
                // The same words whether the address was new or known: the page tells nobody who registered.
                Message = $"Check your mail: a link to confirm your registration was sent to {Input.Email!.Trim()}. Your place is kept once you open it.";
                return Redirect($"/events/{id}#register");
            case AttendanceRefusal.Closed:
                Refusal = "Registration has closed: the event has begun.";
                return Page();
            default:
                return NotFound();
        }
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await actions.FindVisibleAsync(User, id, cancellationToken) is not { Published: true } e)
        {
            return false;
        }
        Event = e;
        return true;
    }
}
