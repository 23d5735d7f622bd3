using Ceremonies.Data;
using Ceremonies.Features.Venues;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Bookings;

// The venue staff's queue: requests waiting for them, decided through the API's handlers.
[Authorize]
public sealed class RequestsModel(CeremoniesDb db, IAuthorizationService authorization, TimeProvider clock) : PageModel
{
    public sealed record Item(BookingView Booking, string Hall);

    public IReadOnlyList<Item> Items { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var waiting = (await BookingEndpoints.Requests(db, User, cancellationToken)).Value ?? [];
        var hallIds = waiting.Select(b => b.HallId).Distinct().ToList();
        var names = await db.Halls.AsNoTracking().Where(h => hallIds.Contains(h.Id)).ToDictionaryAsync(h => h.Id, h => h.Name, cancellationToken);
        Items = [.. waiting.Select(b => new Item(b, names[b.HallId]))];
    }

    public Task<IActionResult> OnPostConfirmAsync(Guid bookingId, string? reason, CancellationToken cancellationToken) =>
        DecideAsync(BookingDecisions.Confirm(bookingId, new DecisionRequest(reason), db, User, authorization, clock, cancellationToken), "confirmed");

    public Task<IActionResult> OnPostDeclineAsync(Guid bookingId, string? reason, CancellationToken cancellationToken) =>
        DecideAsync(BookingDecisions.Decline(bookingId, new DecisionRequest(reason), db, User, authorization, clock, cancellationToken), "declined");

    private async Task<IActionResult> DecideAsync(Task<Results<Ok<BookingView>, ProblemHttpResult>> decision, string word)
    {
        var result = (await decision).Result;
        Message = result switch
        {
            Ok<BookingView> { Value: { } booking } => $"{booking.Title} is {word}; the requester is told by email.",
            ProblemHttpResult problem => problem.ProblemDetails.Title,
            _ => null,
        };
        return RedirectToPage();
    }
}
