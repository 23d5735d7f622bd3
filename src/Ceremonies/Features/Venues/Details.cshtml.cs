using System.Globalization;
using Ceremonies.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Venues;

public sealed class DetailsModel(CeremoniesDb db, IAuthorizationService authorization) : PageModel
{
    public Venue Venue { get; private set; } = null!; // set by OnGetAsync before the page renders

    public IReadOnlyList<Hall> Halls { get; private set; } = [];

    public bool IsMember { get; private set; }

    public bool IsManager { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var venue = await db.Venues.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (venue is null)
        {
            return NotFound();
        }
        Venue = venue;
        Halls = await db.Halls.AsNoTracking().Where(h => h.VenueId == id).OrderBy(h => h.Name).ToListAsync(cancellationToken);
        IsMember = await authorization.IsMemberAsync(User, id);
        IsManager = await authorization.IsManagerAsync(User, id);
        return Page();
    }

    // "Mon–Fri 09:00–18:00; Sat 10:00–14:00": days with the same hours are grouped.
    public static string Describe(IReadOnlyList<OpeningHours> hours)
    {
        if (hours.Count == 0)
        {
            return "closed";
        }
        var days = new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday };
        string Spans(DayOfWeek day) => string.Join(", ", hours.Where(h => h.Day == day).OrderBy(h => h.Opens)
            .Select(h => $"{h.Opens.ToString("HH:mm", CultureInfo.InvariantCulture)}–{h.Closes.ToString("HH:mm", CultureInfo.InvariantCulture)}"));
        var parts = new List<string>();
        var i = 0;
        while (i < days.Length)
        {
            var spans = Spans(days[i]);
            var j = i;
            while (j + 1 < days.Length && Spans(days[j + 1]) == spans)
            {
                j++;
            }
            if (spans.Length > 0)
            {
                var name = CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedDayNames;
                parts.Add(i == j ? $"{name[(int)days[i]]} {spans}" : $"{name[(int)days[i]]}–{name[(int)days[j]]} {spans}");
            }
            i = j + 1;
        }
        return string.Join("; ", parts);
    }
}
