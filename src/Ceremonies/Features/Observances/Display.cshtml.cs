using System.Globalization;
using Ceremonies.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ceremonies.Features.Observances;

// A venue's full-screen display of its minute of silence, for a projector or a screen in the hall.
// Public, like the occurrence itself. The page says when, in the venue's own time and zone; its
// script counts down on a clock synchronised with the server's and starts the silence itself.
public sealed class DisplayModel(CeremoniesDb db) : PageModel
{
    public OccurrenceView Occurrence { get; private set; } = null!; // set by OnGetAsync before the page renders

    public ParticipantView Venue { get; private set; } = null!; // set by OnGetAsync before the page renders

    public async Task<IActionResult> OnGetAsync(Guid id, Guid venueId, CancellationToken cancellationToken)
    {
        var occurrence = await OccurrenceQueries.ViewAsync(db, id, cancellationToken);
        if (occurrence?.Venues.FirstOrDefault(v => v.VenueId == venueId) is not { } venue)
        {
            return NotFound();
        }
        (Occurrence, Venue) = (occurrence, venue);
        return Page();
    }

    public static string Milliseconds(DateTimeOffset instant) => instant.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    public static string LongDate(DateOnly date) => date.ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture);

    public static string Time(TimeOnly time) => time.ToString(time.Second == 0 ? "HH:mm" : "HH:mm:ss", CultureInfo.InvariantCulture);
}
