using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Features.Observances;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Events;

// The public listing: the same query as the API's listing and feed, a page at a time. The filter
// is a GET form, so a search is a link that can be kept and shared. Days are whole UTC days.
public sealed class IndexModel(CeremoniesDb db, TimeProvider clock) : PageModel
{
    public const int PageSize = 20;

    [BindProperty(SupportsGet = true)]
    public string? Country { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? City { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Observance { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    public IReadOnlyList<CommunityEvent> Events { get; private set; } = [];

    public IReadOnlyList<Observance> Observances { get; private set; } = [];

    // Field (as the form names it) → what to change.
    public Dictionary<string, string> Errors { get; } = [];

    public string? NextCursor { get; private set; }

    public EventFilter Filter { get; private set; } = new();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Observances = await db.Observances.AsNoTracking().OrderBy(o => o.Name).ToListAsync(cancellationToken);
        if (ReadFilter() is not { } filter)
        {
            return;
        }
        Filter = filter;
        var query = db.Events.AsNoTracking().Matching(db, filter, clock.GetUtcNow());
        if (!string.IsNullOrEmpty(Cursor))
        {
            if (EventQueries.ReadCursor(Cursor) is { } after)
            {
                query = query.After(after);
            }
            else
            {
                Errors["cursor"] = "This page's link is not one the listing made. The list starts again from the first event.";
            }
        }
        var page = await query.InListingOrder().Take(PageSize + 1).ToListAsync(cancellationToken);
        NextCursor = page.Count > PageSize ? EventQueries.Cursor(page[PageSize - 1]) : null;
        Events = [.. page.Take(PageSize)];
    }

    // The query string of this filter (without a cursor), for the next page and the feed. Days are
    // sent as instants, as the API takes them.
    public string QueryString(string? cursor = null, bool instants = false)
    {
        var pairs = new List<KeyValuePair<string, string?>>
        {
            new("country", Filter.Country), new("city", Filter.City),
            new("from", instants ? Instant(Filter.From) : From), new("to", instants ? Instant(Filter.To) : To),
            new("observance", Filter.Observance?.ToString()), new("q", Filter.Text), new("cursor", cursor),
        };
        return Microsoft.AspNetCore.Http.QueryString.Create(pairs.Where(p => !string.IsNullOrEmpty(p.Value))).ToString();
    }

    // Null (with the reasons in Errors) when the form cannot be used as it stands.
    private EventFilter? ReadFilter()
    {
        var from = Day("from", From);
        var to = Day("to", To);
        Guid? observance = null;
        if (!string.IsNullOrEmpty(Observance))
        {
            if (Guid.TryParse(Observance, out var id))
            {
                observance = id;
            }
            else
            {
                Errors["observance"] = "Choose an observance from the list.";
            }
        }
        // The last day is included: the listing runs to the end of it.
        var filter = new EventFilter(Blank(Country)?.ToUpperInvariant(), Blank(City), from, to?.AddDays(1), observance, Blank(Q));
        // The filter names its first problem; asked a field at a time, it names every one.
        EventFilter[] parts = [filter with { Country = null, City = null, Text = null }, new(Country: filter.Country), new(City: filter.City), new(Text: filter.Text)];
        foreach (var part in parts)
        {
            if (part.Problem() is var (field, message))
            {
                Errors.TryAdd(field, field == "to" ? "Give a last day that is not before the first." : message);
            }
        }
        return Errors.Count == 0 ? filter : null;
    }

    private DateTimeOffset? Day(string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            && day.Year is >= 2000 and <= 2200)
        {
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }
        Errors[field] = "Give a date from 2000 to 2200 as year-month-day, such as 2027-02-26.";
        return null;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string? Instant(DateTimeOffset? at) => at is { } t ? EventTexts.Instant(t) : null;
}
