using System.ComponentModel.DataAnnotations;
using Ceremonies.Data;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Venues;

// Managers edit a hall here; it saves through the API's handler (same checks, audit, ETag).
[Authorize]
public sealed class EditHallModel(CeremoniesDb db, IAuthorizationService authorization, TimeProvider clock) : PageModel
{
    public sealed class DayInput
    {
        public DayOfWeek Day { get; set; }
        public TimeOnly? Opens { get; set; }
        public TimeOnly? Closes { get; set; }
    }

    public sealed class HallInput
    {
        [Required, StringLength(200, MinimumLength = 1)]
        public string Name { get; set; } = "";

        [Range(1, 100_000)]
        public int Capacity { get; set; }

        [Range(0, Hall.MaxBufferMinutes)]
        public int SetupMinutes { get; set; }

        [Range(0, Hall.MaxBufferMinutes)]
        public int TeardownMinutes { get; set; }

        public List<DayInput> Days { get; set; } = [];

        public uint Version { get; set; }
    }

    [BindProperty]
    public HallInput Input { get; set; } = new();

    public Guid VenueId { get; private set; }

    public string VenueName { get; private set; } = "";

    public string TimeZone { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var hall = await LoadAsync(id, cancellationToken);
        if (hall is null)
        {
            return NotFound();
        }
        if (!await authorization.IsManagerAsync(User, hall.VenueId))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }
        Input = new HallInput
        {
            Name = hall.Name,
            Capacity = hall.Capacity,
            SetupMinutes = hall.SetupMinutes,
            TeardownMinutes = hall.TeardownMinutes,
            Version = hall.Version,
            Days = [.. Week().Select(d => hall.OpeningHours.FirstOrDefault(h => h.Day == d) is { } h
                ? new DayInput { Day = d, Opens = h.Opens, Closes = h.Closes }
                : new DayInput { Day = d })],
        };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        var hall = await LoadAsync(id, cancellationToken);
        if (hall is null)
        {
            return NotFound();
        }
        if (!await authorization.IsManagerAsync(User, hall.VenueId))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }
        if (Input.Days.Any(d => (d.Opens is null) != (d.Closes is null)))
        {
            ModelState.AddModelError("Input.Days", "Give both the opening and the closing time of a day, or neither.");
        }
        var request = new HallRequest(Input.Name, Input.Capacity,
            [.. Input.Days.Where(d => d.Opens is not null && d.Closes is not null).Select(d => new OpeningHoursRequest(d.Day, d.Opens, d.Closes))],
            Input.SetupMinutes, Input.TeardownMinutes);
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(request, new ValidationContext(request), errors, validateAllProperties: true))
        {
            foreach (var error in errors)
            {
                var member = error.MemberNames.FirstOrDefault() is "OpeningHours" or null ? "Days" : error.MemberNames.First();
                ModelState.AddModelError($"Input.{member}", error.ErrorMessage ?? "Not valid.");
            }
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var result = await VenueEndpoints.UpdateHall(id, request, db, User, authorization, clock, ETags.For(Input.Version), Response, cancellationToken);
        if (result.Result is ProblemHttpResult problem)
        {
            if (problem.StatusCode != StatusCodes.Status412PreconditionFailed)
            {
                return StatusCode(problem.StatusCode);
            }
            ModelState.AddModelError(string.Empty, "Someone changed this hall while you were editing. Reload the page to see their change, then edit again.");
            return Page();
        }
        return Redirect($"/venues/{hall.VenueId}");
    }

    private async Task<Hall?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var found = await db.Halls.AsNoTracking().Where(h => h.Id == id)
            .Join(db.Venues, h => h.VenueId, v => v.Id, (h, v) => new { Hall = h, v.Name, v.TimeZone })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return null;
        }
        VenueId = found.Hall.VenueId;
        VenueName = found.Name;
        TimeZone = found.TimeZone;
        return found.Hall;
    }

    private static IEnumerable<DayOfWeek> Week() =>
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];
}
