using Ceremonies.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ceremonies.Features.Bookings;

[Authorize]
public sealed class MineModel(CeremoniesDb db, IAuthorizationService authorization, TimeProvider clock) : PageModel
{
    public IReadOnlyList<BookingView> Items { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Items = (await BookingEndpoints.Mine(db, User, cancellationToken)).Value ?? [];

    public async Task<IActionResult> OnPostCancelAsync(Guid bookingId, CancellationToken cancellationToken)
    {
        var result = (await BookingDecisions.Cancel(bookingId, new DecisionRequest("Cancelled by the requester."), db, User, authorization, clock, cancellationToken)).Result;
        Message = result is Ok<BookingView> { Value: { } booking } ? $"{booking.Title} is cancelled." : (result as ProblemHttpResult)?.ProblemDetails.Title;
        return RedirectToPage();
    }
}
