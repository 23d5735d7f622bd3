using System.Globalization;
using System.Text;
using Ceremonies.Data;
using Ceremonies.Features.Observances;
using Ceremonies.Infrastructure.Text;
using Ical.Net.CalendarComponents;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Events;

// What the public listing asks for. From and to bound the events' time (an event that is under way
// at "from" is in); without "from" the listing starts now. Text is looked for in the title,
// description, organizer and city.
public sealed record EventFilter(
    string? Country = null, string? City = null, DateTimeOffset? From = null, DateTimeOffset? To = null, Guid? Observance = null, string? Text = null)
{
    public const int MaxTextLength = 200;

    // Null when the filter is usable, else the field to mend and what to do.
    public (string Field, string Message)? Problem() =>
        From is { } f && To is { } t && t <= f ? ("to", "Give 'to' after 'from', as ISO 8601 instants with an offset.")
        : Country is { Length: not 2 } ? ("country", "Give an ISO 3166-1 alpha-2 country code, such as FR.")
        : City is { Length: > 100 } ? ("city", "A city name has at most 100 characters.")
        : Text is { Length: > MaxTextLength } ? ("q", $"Search for at most {MaxTextLength} characters.")
        : null;
}

// The public listing as one query, so the JSON pages, the .ics feed and the pages list the same events.
public static class EventQueries
{
    public static IQueryable<CommunityEvent> Matching(this IQueryable<CommunityEvent> events, CeremoniesDb db, EventFilter filter, DateTimeOffset now)
    {
        var query = events.Listed().Where(e => e.EndsAt > (filter.From ?? now));
        if (filter.To is { } to)
        {
            query = query.Where(e => e.StartsAt < to);
        }
        if (filter.Country is { Length: > 0 } country)
        {
            var code = country.ToUpperInvariant();
            query = query.Where(e => e.Country == code);
        }
        if (filter.City is { Length: > 0 } city)
        {
            query = query.Where(e => EF.Functions.ILike(e.City, Like(city.Trim()), "\\"));
        }
        if (filter.Observance is { } observance)
        {
            var occurrences = db.Occurrences.Where(o => o.ObservanceId == observance).Select(o => (Guid?)o.Id);
            query = query.Where(e => occurrences.Contains(e.OccurrenceId));
        }
        if (filter.Text is { Length: > 0 } text)
        {
            var pattern = $"%{Like(text.Trim())}%";
            query = query.Where(e => EF.Functions.ILike(e.Title, pattern, "\\") || EF.Functions.ILike(e.Description, pattern, "\\")
                || EF.Functions.ILike(e.OrganizerName, pattern, "\\") || EF.Functions.ILike(e.City, pattern, "\\"));
        }
        return query;
    }

    // The events holding an occurrence's minute of silence with it, for the public: approved as they
    // stand. One changed since its approval waits for a moderator again before it is shown here.
    public static IQueryable<CommunityEvent> HoldingSilenceOf(this IQueryable<CommunityEvent> events, Guid occurrenceId) =>
        events.Listed().Where(e => e.OccurrenceId == occurrenceId && e.HoldsSilence && e.State == EventState.Approved);

    // Ordered by start, then id: the order the cursor continues from.
    public static IQueryable<CommunityEvent> InListingOrder(this IQueryable<CommunityEvent> events) =>
        events.OrderBy(e => e.StartsAt).ThenBy(e => e.Id);

    // An organizer's own events, in every state, latest first.
    public static IQueryable<CommunityEvent> OrganizedBy(this IQueryable<CommunityEvent> events, Guid organizer) =>
        events.Where(e => e.OrganizerId == organizer).OrderByDescending(e => e.StartsAt).ThenBy(e => e.Id);

    // The moderators' queue: events waiting for review, oldest submission first.
    public static IQueryable<CommunityEvent> AwaitingReview(this IQueryable<CommunityEvent> events) =>
        events.Where(e => e.State == EventState.Submitted).OrderBy(e => e.SubmittedAt).ThenBy(e => e.Id);

    // The registrations that count against the event's capacity: a seat, or a seat offered.
    public static IQueryable<EventRegistration> HoldingSeats(this IQueryable<EventRegistration> registrations, Guid eventId) =>
        registrations.Where(r => r.EventId == eventId && (r.State == RegistrationState.Seated || r.State == RegistrationState.Offered));

    // Runs the work in a transaction that first locks the event's row (FOR UPDATE), so changes that
    // take or free seats, and changes of the event itself, take turns. A deadlock or serialization
    // failure runs it again from the start (RetryStrategy). The event is null when it does not exist;
    // tracked, it is saved with the work's SaveChanges.
    public static Task<T> WithEventLockedAsync<T>(
        this CeremoniesDb db, Guid eventId, bool tracked, Func<CommunityEvent?, Task<T>> work, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // xmin is a system column: "*" leaves it out, and EF reads the row version from it.
            var query = db.Events.FromSql($"SELECT *, xmin FROM events WHERE id = {eventId} FOR UPDATE");
            var e = (await (tracked ? query : query.AsNoTracking()).ToListAsync(ct)).SingleOrDefault();
            var result = await work(e);
            await transaction.CommitAsync(ct);
            return result;
        }, cancellationToken);

    public static IQueryable<CommunityEvent> After(this IQueryable<CommunityEvent> events, (DateTimeOffset StartsAt, Guid Id) cursor) =>
        events.Where(e => e.StartsAt > cursor.StartsAt || (e.StartsAt == cursor.StartsAt && e.Id.CompareTo(cursor.Id) > 0));

    public static string Cursor(CommunityEvent last) =>
        WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes($"{last.StartsAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{last.Id:N}"));

    public static (DateTimeOffset, Guid)? ReadCursor(string cursor)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor)).Split('|');
            return parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && Guid.TryParseExact(parts[1], "N", out var id)
                ? (new DateTimeOffset(ticks, TimeSpan.Zero), id)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // The events as an iCalendar feed; instants in UTC, the local time and zone in the description.
    public static string Calendar(string name, IEnumerable<CommunityEvent> events, Func<CommunityEvent, Uri> link)
    {
        var calendar = new Ical.Net.Calendar { ProductId = "-//Ceremonies//Community events//EN", Scale = "GREGORIAN", Method = "PUBLISH" };
        calendar.AddProperty("X-WR-CALNAME", name);
        foreach (var e in events)
        {
            calendar.Events.Add(new CalendarEvent
            {
                Uid = $"event-{e.Id}@ceremonies",
                DtStamp = Ics.Utc(e.UpdatedAt),
                LastModified = Ics.Utc(e.UpdatedAt),
                DtStart = Ics.Utc(e.StartsAt),
                DtEnd = Ics.Utc(e.EndsAt),
                Sequence = e.Sequence,
                Summary = e.Title,
                Description = $"{EventMails.When(e)}. Organized by {e.OrganizerName}.\n{link(e)}",
                Location = $"{e.Address}, {e.City}, {e.Country}",
                Url = link(e),
                Status = "CONFIRMED",
            });
        }
        return Ics.Write(calendar);
    }

    private static string Like(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
