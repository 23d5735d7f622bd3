using Ceremonies.Data;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Observances;

// An observance's rule in words and its occurrences. Admins plan this year's (while its minute is
// ahead) and next year's occurrence here, as the API does.
public sealed class DetailsModel(CeremoniesDb db, OccurrenceActions actions, TimeProvider clock) : PageModel
{
    public sealed record Row(Guid Id, int Year, DateOnly LocalDate, DateTimeOffset SilenceAt, int Venues);

    public Observance Observance { get; private set; } = null!; // set by LoadAsync before the page renders

    public IReadOnlyList<Row> Occurrences { get; private set; } = [];

    // The years an admin may create, of this year and next, that have no occurrence yet.
    public IReadOnlyList<int> YearsToCreate { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await db.Observances.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, cancellationToken) is not { } observance)
        {
            return NotFound();
        }
        Observance = observance;
        var taking = db.OccurrenceVenues;
        Occurrences = await db.Occurrences.AsNoTracking().Where(o => o.ObservanceId == id).OrderByDescending(o => o.Year)
            .Select(o => new Row(o.Id, o.Year, o.LocalDate, o.SilenceAt, taking.Count(p => p.OccurrenceId == o.Id)))
            .ToListAsync(cancellationToken);
        if (User.IsInRole(Roles.Admin))
        {
            YearsToCreate = [.. PlannableYears(observance).Where(y => Occurrences.All(o => o.Year != y))];
        }
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(Guid id, int year, CancellationToken cancellationToken)
    {
        if (!User.IsInRole(Roles.Admin))
        {
            return User.Identity?.IsAuthenticated == true ? StatusCode(StatusCodes.Status403Forbidden) : Challenge();
        }
        if (await db.Observances.FirstOrDefaultAsync(o => o.Id == id, cancellationToken) is not { } observance)
        {
            return NotFound();
        }
        if (!PlannableYears(observance).Contains(year))
        {
            Message = $"Only this year's occurrence, while its minute is ahead, and next year's can be created here; not {year}.";
            return RedirectToPage(new { id });
        }
        var (occurrence, created) = await actions.CreateAsync(observance, year, User, cancellationToken);
        Message = created ? $"The occurrence of {year} is planned." : $"The occurrence of {year} was already planned.";
        return RedirectToPage("Occurrence", new { id = occurrence.Id });
    }

    private List<int> PlannableYears(Observance observance)
    {
        var now = clock.GetUtcNow();
        return [.. new[] { now.Year, now.Year + 1 }.Where(y => SilenceMoments.ReferenceInstant(observance.Rule, y) > now)];
    }
}
