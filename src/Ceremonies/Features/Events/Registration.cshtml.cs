using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ceremonies.Features.Events;

// Where the links mailed to an attendee lead. Opening the link only shows the registration: mail
// scanners open links, so nothing changes on a GET. Confirming, taking an offered seat and giving
// the place up are buttons (POST), each carrying the token that proves the address.
public sealed class RegistrationModel(EventAttendance attendance) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    public EventRegistration Registration { get; private set; } = null!; // set by OnGetAsync before the page renders

    public CommunityEvent Event { get; private set; } = null!; // likewise

    public int? WaitlistPosition { get; private set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public bool Refused { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var found = await attendance.FindAsync(Token ?? "", cancellationToken);
        if (found is not { Registration: { } registration, Event: { } e })
        {
            return NotFound();
        }
        (Registration, Event, WaitlistPosition) = (registration, e, found.WaitlistPosition);
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmAsync(CancellationToken cancellationToken) =>
        Answer(await attendance.ConfirmAsync(Token ?? "", cancellationToken));

    public async Task<IActionResult> OnPostAcceptAsync(CancellationToken cancellationToken) =>
        Answer(await attendance.AcceptOfferAsync(Token ?? "", cancellationToken));

    public async Task<IActionResult> OnPostCancelAsync(CancellationToken cancellationToken) =>
        Answer(await attendance.CancelAsync(Token ?? "", cancellationToken));

    private IActionResult Answer(AttendanceOutcome outcome)
    {
        if (outcome.Refusal == AttendanceRefusal.NotFound)
        {
            return NotFound();
        }
        Refused = outcome.Refusal != AttendanceRefusal.None;
        Message = outcome.Refusal switch
        {
            AttendanceRefusal.Closed => "This event no longer takes registrations.",
            AttendanceRefusal.Expired => "This offer has ended: the seat went to the next person waiting.",
            _ => outcome.Registration?.State switch
            {
                RegistrationState.Seated => "You have a seat. A mail confirms it.",
                RegistrationState.Waitlisted => "All seats are taken: you are on the waitlist. If a seat frees, it is offered to you by mail.",
                RegistrationState.Cancelled => "You gave up your place. Thank you for letting someone else have it.",
                _ => null,
            },
        };
        return RedirectToPage(new { token = Token });
    }

    public static string Describe(RegistrationState state, int? position) => state switch
    {
        RegistrationState.Pending => "waiting for you to confirm your address",
        RegistrationState.Seated => "you have a seat",
        RegistrationState.Waitlisted => position is { } p ? $"on the waitlist, number {p} in line" : "on the waitlist",
        RegistrationState.Offered => "a seat is offered to you",
        RegistrationState.Cancelled => "you gave up your place",
        _ => "the seat offered to you passed on to the next person waiting",
    };
}
