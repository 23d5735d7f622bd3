using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Caching;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Time;
using Ceremonies.Infrastructure.Validation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Bookings;

// A hall's week in the venue's zone: what is booked (titles for the venue's staff, "busy" for
// everyone else), what is closed, what is free; and the form to book or request it. The form goes
// through the API's handler, so it is refused for exactly the API's reasons, said in words.
public sealed class CalendarModel(
    CeremoniesDb db, IAuthorizationService authorization, TimeProvider clock, IOptions<BookingOptions> options, ReferenceCache cache,
    IOptions<SiteOptions> site) : PageModel
{
    public sealed record Entry(TimeOnly From, TimeOnly Until, string Text, string Kind, Guid? BookingId, Guid? BlackoutId = null);

    // Whole days, first and last included, in the venue's zone.
    public sealed class CloseInput
    {
        [Required]
        public DateOnly? From { get; set; }

        [Required]
        public DateOnly? To { get; set; }

        [Required, StringLength(500, MinimumLength = 1)]
        public string? Reason { get; set; }
    }

    public sealed record Day(DateOnly Date, IReadOnlyList<Entry> Entries);

    public sealed class BookingInput
    {
        [Required]
        public DateOnly? Date { get; set; }

        [Required]
        public TimeOnly? Start { get; set; }

        [Required]
        public TimeOnly? End { get; set; }

        [Required, StringLength(200)]
        public string Title { get; set; } = "";

        public BookingKind Kind { get; set; } = BookingKind.CommemorationCeremony;

        [Range(1, 100_000)]
        public int Attendees { get; set; } = 20;

        [Required, Mailbox, StringLength(320)]
        public string Contact { get; set; } = "";

        [StringLength(4000)]
        public string? Notes { get; set; }
    }

    [BindProperty]
    public BookingInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public DateOnly? Week { get; set; }

    public Hall Hall { get; private set; } = null!; // set by LoadHallAsync before the page renders

    public string VenueName { get; private set; } = "";

    public string TimeZone { get; private set; } = "";

    public bool IsStaff { get; private set; }

    public DateOnly Monday { get; private set; }

    public IReadOnlyList<Day> Days { get; private set; } = [];

    public string? Refusal { get; private set; }

    public string? CloseRefusal { get; private set; }

    public IReadOnlyList<CalendarFeedView> Feeds { get; private set; } = [];

    [TempData]
    public string? FeedUrl { get; set; }

    public SlotView? Suggestion { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, DateOnly? date, TimeOnly? start, TimeOnly? end, CancellationToken cancellationToken)
    {
        if (!await LoadHallAsync(id, cancellationToken))
        {
            return NotFound();
        }
        await LoadWeekAsync(id, cancellationToken);
        Input.Date = date ?? Monday;
        Input.Start = start;
        Input.End = end;
        Input.Contact = User.Identity?.Name ?? "";
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        if (User.Identity?.IsAuthenticated != true)
        {
            return Challenge();
        }
        if (!await LoadHallAsync(id, cancellationToken))
        {
            return NotFound();
        }
        if (!ModelState.IsValid)
        {
            return await ShowAsync(id, cancellationToken);
        }
        var date = Input.Date!.Value;
        var request = new BookingRequest(Input.Title, Input.Kind, Input.Attendees, Input.Contact,
            date.ToDateTime(Input.Start!.Value), date.ToDateTime(Input.End!.Value), Input.Notes);
        var result = await BookingEndpoints.Create(id, request, db, User, authorization, clock, options, cache, cancellationToken);
        switch (result.Result)
        {
            case Created<BookingView> { Value: { } booking }:
                Message = booking.State == BookingState.Confirmed
                    ? $"Booked: {booking.Title}, {Describe(booking.Start, booking.End)}."
                    : $"Requested: {booking.Title}, {Describe(booking.Start, booking.End)}. The venue's staff will confirm or decline it.";
                return RedirectToPage(new { id, week = WeekOf(date) });
            case ValidationProblem invalid:
                foreach (var (field, messages) in invalid.ProblemDetails.Errors)
                {
                    ModelState.AddModelError($"Input.{char.ToUpperInvariant(field[0])}{field[1..]}", string.Join(" ", messages)); // "start" → Input.Start
                }
                return await ShowAsync(id, cancellationToken);
            case ProblemHttpResult problem:
                Refusal = problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title;
                Suggestion = problem.ProblemDetails.Extensions.TryGetValue("nextFreeSlot", out var next) ? next as SlotView : null;
                return await ShowAsync(id, cancellationToken);
        }
        // The form books one date; a series is made through the API.
        return RedirectToPage(new { id, week = WeekOf(date) });
    }

    // Staff close the hall for whole days; refused (with the bookings in the way) over live bookings.
    public async Task<IActionResult> OnPostCloseAsync(Guid id, CloseInput close, CancellationToken cancellationToken)
    {
        if (!await LoadHallAsync(id, cancellationToken) || !IsStaff)
        {
            return NotFound();
        }
        // Only this form's fields count; the booking form on the same page was not sent.
        var closeInvalid = ModelState.Any(e => e.Key.StartsWith("close", StringComparison.OrdinalIgnoreCase)
            && e.Value?.ValidationState == Microsoft.AspNetCore.Mvc.ModelBinding.ModelValidationState.Invalid);
        if (closeInvalid || close.From is null || close.To is null || close.To < close.From || string.IsNullOrWhiteSpace(close.Reason))
        {
            CloseRefusal = "Give the first and the last day to close (the last not before the first) and a reason.";
            return await ShowAsync(id, cancellationToken);
        }
        var request = new BlackoutRequest(close.From!.Value.ToDateTime(TimeOnly.MinValue), close.To!.Value.AddDays(1).ToDateTime(TimeOnly.MinValue), close.Reason!);
        var result = await BlackoutEndpoints.Create(id, request, db, User, authorization, clock, cancellationToken);
        switch (result.Result)
        {
            case ValidationProblem invalid:
                CloseRefusal = string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value));
                return await ShowAsync(id, cancellationToken);
            case ProblemHttpResult problem:
                CloseRefusal = $"{problem.ProblemDetails.Title} {problem.ProblemDetails.Detail}";
                return await ShowAsync(id, cancellationToken);
        }
        Message = $"{Hall.Name} is closed from {close.From.Value.ToString("d MMMM", CultureInfo.InvariantCulture)} to {close.To.Value.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}: {close.Reason}.";
        return RedirectToPage(new { id, week = WeekOf(close.From.Value) });
    }

    public async Task<IActionResult> OnPostReopenAsync(Guid id, Guid blackoutId, CancellationToken cancellationToken)
    {
        var result = await BlackoutEndpoints.Delete(blackoutId, db, User, authorization, clock, cancellationToken);
        Message = result.Result is NoContent ? "The closure is removed." : "That closure is not yours to remove.";
        return RedirectToPage(new { id, week = Week });
    }

    // A secret address for the staff's own calendar app; shown once.
    public async Task<IActionResult> OnPostFeedAsync(Guid id, CancellationToken cancellationToken)
    {
        var result = await CalendarFeedEndpoints.Create(id, db, User, authorization, clock, site, cancellationToken);
        if (result.Result is Created<CalendarFeedView> { Value: { } feed })
        {
            FeedUrl = feed.Url;
        }
        return RedirectToPage(new { id, week = Week });
    }

    public async Task<IActionResult> OnPostRevokeFeedAsync(Guid id, Guid feedId, CancellationToken cancellationToken)
    {
        var result = await CalendarFeedEndpoints.Revoke(feedId, db, User, authorization, clock, cancellationToken);
        Message = result.Result is NoContent ? "The calendar address no longer works." : "That calendar address is not yours to revoke.";
        return RedirectToPage(new { id, week = Week });
    }

    public static string Describe(TimeView start, TimeView end) =>
        $"{start.Local.ToString("dddd d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture)}–{end.Local.ToString("HH:mm", CultureInfo.InvariantCulture)} ({start.TimeZone})";

    public static DateOnly WeekOf(DateOnly date) => date.AddDays(-(((int)date.DayOfWeek + 6) % 7));

    // The hall and whether this person is its venue's staff: one query (the membership comes with
    // the hall). Enough for a form post that redirects; the week is read only to show the page.
    private async Task<bool> LoadHallAsync(Guid id, CancellationToken cancellationToken)
    {
        var me = Guid.TryParse(User.FindFirstValue(ClaimTypes.NameIdentifier), out var userId) ? userId : (Guid?)null;
        var context = await db.HallContextAsync(id, cancellationToken, me);
        if (context is null)
        {
            return false;
        }
        (Hall, VenueName, TimeZone) = (context.Hall, context.VenueName, context.TimeZone);
        IsStaff = await authorization.IsMemberAsync(User, Hall.VenueId, context.Role);
        return true;
    }

    private async Task<PageResult> ShowAsync(Guid id, CancellationToken cancellationToken)
    {
        await LoadWeekAsync(id, cancellationToken);
        return Page();
    }

    private async Task LoadWeekAsync(Guid id, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(ZonedTime.ToLocal(clock.GetUtcNow(), TimeZone));
        Monday = WeekOf(Week ?? Input.Date ?? today);
        var from = ZonedTime.Resolve(Monday.ToDateTime(TimeOnly.MinValue), TimeZone)?.Instant ?? clock.GetUtcNow();
        var until = ZonedTime.Resolve(Monday.AddDays(7).ToDateTime(TimeOnly.MinValue), TimeZone)?.Instant ?? from.AddDays(7);
        var me = User.FindFirstValue(ClaimTypes.NameIdentifier);
        var bookings = await db.Bookings.AsNoTracking()
            .Where(b => b.HallId == id && (b.State == BookingState.Requested || b.State == BookingState.Confirmed)
                && b.OccupiedFrom < until && from < b.OccupiedUntil)
            .OrderBy(b => b.StartsAt).ToListAsync(cancellationToken);
        var blackouts = await db.Blackouts.AsNoTracking()
            .Where(b => b.HallId == id && b.StartsAt < until && from < b.EndsAt).ToListAsync(cancellationToken);
        var days = new List<Day>();
        for (var d = 0; d < 7; d++)
        {
            var date = Monday.AddDays(d);
            var entries = new List<Entry>();
            foreach (var b in bookings.Where(b => DateOnly.FromDateTime(b.LocalStart) == date))
            {
                var mine = b.RequestedBy.ToString() == me;
                var label = IsStaff || mine ? $"{b.Title} ({b.State.ToString().ToLowerInvariant()})" : "busy";
                entries.Add(new Entry(TimeOnly.FromDateTime(b.LocalStart), TimeOnly.FromDateTime(b.LocalEnd), label, "booked", IsStaff || mine ? b.Id : null));
            }
            foreach (var b in blackouts.Where(b => DateOnly.FromDateTime(b.LocalStart) <= date && date <= DateOnly.FromDateTime(b.LocalEnd)))
            {
                var opens = DateOnly.FromDateTime(b.LocalStart) == date ? TimeOnly.FromDateTime(b.LocalStart) : TimeOnly.MinValue;
                var closes = DateOnly.FromDateTime(b.LocalEnd) == date ? TimeOnly.FromDateTime(b.LocalEnd) : TimeOnly.MaxValue;
                if (closes > opens)
                {
                    entries.Add(new Entry(opens, closes, $"closed: {b.Reason}", "closed", null, b.Id));
                }
            }
            entries.AddRange(FreeSpans(date, bookings, blackouts));
            days.Add(new Day(date, [.. entries.OrderBy(e => e.From)]));
        }
        Days = days;
        if (IsStaff)
        {
            Feeds = (await CalendarFeedEndpoints.List(id, db, User, authorization, cancellationToken)).Result is Ok<List<CalendarFeedView>> { Value: { } feeds } ? feeds : [];
        }
    }

    // Opening hours minus what is occupied (buffers included), in local time.
    private IEnumerable<Entry> FreeSpans(DateOnly date, List<Booking> bookings, List<Blackout> blackouts)
    {
        var taken = bookings.Select(b => (From: ZonedTime.ToLocal(b.OccupiedFrom, TimeZone), Until: ZonedTime.ToLocal(b.OccupiedUntil, TimeZone)))
            .Concat(blackouts.Select(b => (From: b.LocalStart, Until: b.LocalEnd)))
            .OrderBy(t => t.From).ToList();
        foreach (var open in Hall.OpeningHours.Where(h => h.Day == date.DayOfWeek).OrderBy(h => h.Opens))
        {
            var cursor = date.ToDateTime(open.Opens);
            var close = date.ToDateTime(open.Closes);
            foreach (var (from, until) in taken.Where(t => t.From < close && cursor < t.Until))
            {
                if (from > cursor)
                {
                    yield return new Entry(TimeOnly.FromDateTime(cursor), TimeOnly.FromDateTime(from), "free", "free", null);
                }
                cursor = until > cursor ? until : cursor;
            }
            if (cursor < close)
            {
                yield return new Entry(TimeOnly.FromDateTime(cursor), TimeOnly.FromDateTime(close), "free", "free", null);
            }
        }
    }
}
