using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Observances;

// The organizers' board of one occurrence: who is ready, and what became of each signal. For admins
// and the managers of the venues taking part (as the API's board). Its readiness buttons post to the
// occurrence page, which staff who may not see the board also use.
[Authorize]
public sealed class BoardModel(CeremoniesDb db, OccurrenceActions actions, TimeProvider clock) : PageModel
{
    public static readonly IReadOnlyList<Signal> Signals = Enum.GetValues<Signal>();

    public BoardView Board { get; private set; } = null!; // set by OnGetAsync before the page renders

    public DateTimeOffset Now { get; private set; }

    // The venues on the board whose readiness the signed-in person may acknowledge.
    public IReadOnlySet<Guid> MayAcknowledge { get; private set; } = new HashSet<Guid>();

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var (board, access) = await OccurrenceQueries.BoardForAsync(db, id, User, cancellationToken);
        if (board is null)
        {
            return access == BoardAccess.NotFound ? NotFound() : StatusCode(StatusCodes.Status403Forbidden);
        }
        Board = board;
        Now = clock.GetUtcNow();
        MayAcknowledge = await actions.MayAcknowledgeAsync(User, Board.Venues.Select(r => r.Venue.VenueId), cancellationToken);
        return Page();
    }

    public static string SignalName(Signal signal) => signal switch
    {
        Signal.Notice => "Notice (day before)",
        Signal.Prepare => "Prepare",
        Signal.Begin => "Begin",
        _ => "End",
    };

    public static string StateName(DeliveryState state, bool hasWebhook) => state switch
    {
        DeliveryState.Pending => "pending",
        DeliveryState.Delivered => "delivered",
        DeliveryState.Failed => "failed",
        DeliveryState.Skipped => hasWebhook ? "skipped" : "skipped (no PA webhook)",
        _ => "cancelled",
    };

    public static string StateClass(DeliveryState state) => state switch
    {
        DeliveryState.Delivered => "status-ok",
        DeliveryState.Failed => "status-bad",
        DeliveryState.Pending => "status-warn",
        _ => "hint",
    };
}
