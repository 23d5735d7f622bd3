using System.ComponentModel.DataAnnotations;
using Ceremonies.Data;
using Ceremonies.Infrastructure.Validation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Venues;

// The page does what the API does, through the same handlers: the same checks, audit and mail.
[Authorize]
public sealed class StaffModel(
    CeremoniesDb db, IAuthorizationService authorization, UserManager<IdentityUser<Guid>> users, TimeProvider clock) : PageModel
{
    public sealed class StaffInput
    {
        [Required, Mailbox, StringLength(320)]
        public string Email { get; set; } = "";

        [Required]
        public VenueRole Role { get; set; } = VenueRole.Staff;
    }

    [BindProperty]
    public StaffInput Input { get; set; } = new();

    public Guid VenueId { get; private set; }

    public string VenueName { get; private set; } = "";

    public bool IsManager { get; private set; }

    public IReadOnlyList<StaffMemberView> Members { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostAddAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return await LoadAsync(id, cancellationToken) ?? Page();
        }
        var result = await StaffEndpoints.Add(id, new StaffRequest(Input.Email, Input.Role), db, User, authorization, users, clock, cancellationToken);
        switch (result.Result)
        {
            case Created<StaffMemberView> created:
                Message = $"{created.Value?.Email} was added as {Input.Role.ToString().ToLowerInvariant()}.";
                return RedirectToPage(new { id });
            case ValidationProblem invalid:
                foreach (var (_, messages) in invalid.ProblemDetails.Errors)
                {
                    ModelState.AddModelError("Input.Email", string.Join(" ", messages));
                }
                break;
            case ProblemHttpResult { StatusCode: StatusCodes.Status409Conflict } conflict:
                ModelState.AddModelError("Input.Email", conflict.ProblemDetails.Title ?? "Already on the staff.");
                break;
            case ProblemHttpResult problem:
                return StatusCode(problem.StatusCode);
        }
        return await LoadAsync(id, cancellationToken) ?? Page();
    }

    public async Task<IActionResult> OnPostRemoveAsync(Guid id, Guid userId, CancellationToken cancellationToken)
    {
        var result = await StaffEndpoints.Remove(id, userId, db, User, authorization, clock, cancellationToken);
        if (result.Result is ProblemHttpResult problem)
        {
            if (problem.StatusCode != StatusCodes.Status409Conflict)
            {
                return StatusCode(problem.StatusCode);
            }
            Message = $"{problem.ProblemDetails.Title} {problem.ProblemDetails.Detail}";
        }
        else
        {
            Message = "Removed from the staff.";
        }
        return RedirectToPage(new { id });
    }

    // Null when the page can show the staff; otherwise the refusal: 404 for a venue that does not
    // exist, 403 for a person not on its staff (venues are public, their staff lists are not).
    private async Task<IActionResult?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var venue = await db.Venues.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (venue is null)
        {
            return NotFound();
        }
        if (!await authorization.IsMemberAsync(User, id))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }
        VenueId = id;
        VenueName = venue.Name;
        IsManager = await authorization.IsManagerAsync(User, id);
        Members = await StaffEndpoints.Members(db, id).ToListAsync(cancellationToken);
        return null;
    }
}
