using System.Globalization;
using System.Security.Claims;
using System.Text;
using Ceremonies.Data;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Events;

// Community events. The listing, its feed and approved events are public; an event before approval
// (or after it was rejected or withdrawn) is seen only by its organizer and moderators: to anyone
// else it does not exist (404). Any signed-in person may submit events; the organizer changes and
// withdraws their own; moderators (and admins) approve and reject. Attending needs no account: the
// links mailed to the address carry the token that proves it.
public static class EventEndpoints
{
    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/api/events").WithTags("Events");
        events.MapGet("/", List).AllowAnonymous();
        events.MapPost("/", Submit).RequireAuthorization();
        events.MapGet("/mine", Mine).RequireAuthorization();
        events.MapGet("/queue", Queue).RequireAuthorization(Policies.Moderator);
        events.MapGet("/{id:guid}", Get).AllowAnonymous();
        events.MapGet("/{id:guid}.ics", EventCalendar).AllowAnonymous();
        events.MapPut("/{id:guid}", Change).RequireAuthorization();
        events.MapDelete("/{id:guid}", Withdraw).RequireAuthorization();
        events.MapPost("/{id:guid}/approve", Approve).RequireAuthorization(Policies.Moderator);
        events.MapPost("/{id:guid}/reject", Reject).RequireAuthorization(Policies.Moderator);
        events.MapPost("/{id:guid}/registrations", Register).AllowAnonymous().RequireRateLimiting(RateLimits.AccountMail);
        events.MapGet("/{id:guid}/registrations", Attendees).RequireAuthorization();
        events.MapGet("/{id:guid}/registrations.csv", AttendeesCsv).RequireAuthorization();
        app.MapGet("/api/events.ics", ListingCalendar).WithTags("Events").AllowAnonymous();

        var registrations = app.MapGroup("/api/registrations").WithTags("Events").AllowAnonymous();
        registrations.MapGet("/", Registration);
        registrations.MapPost("/confirm", Confirm);
        registrations.MapPost("/accept", Accept);
        registrations.MapPost("/cancel", Cancel);
        return events;
    }

    public static async Task<Results<Ok<Page<EventView>>, ValidationProblem>> List(
        CeremoniesDb db, TimeProvider clock, CancellationToken cancellationToken, string? country = null, string? city = null,
        DateTimeOffset? from = null, DateTimeOffset? to = null, Guid? observance = null, string? q = null, int limit = 50, string? cursor = null)
    {
        var filter = new EventFilter(country, city, from, to, observance, q);
        if (filter.Problem() is var (field, message))
        {
            return Problems.Invalid(field, message);
        }
        if (limit is < 1 or > 200)
        {
            return Problems.Invalid("limit", "Give a limit from 1 to 200.");
        }
        var query = db.Events.AsNoTracking().Matching(db, filter, clock.GetUtcNow());
        if (cursor is not null)
        {
            if (EventQueries.ReadCursor(cursor) is not { } after)
            {
                return Problems.Invalid("cursor", "Use the nextCursor of a previous page, unchanged.");
            }
            query = query.After(after);
        }
        var page = await query.InListingOrder().Take(limit + 1).ToListAsync(cancellationToken);
        var next = page.Count > limit ? EventQueries.Cursor(page[limit - 1]) : null;
        return TypedResults.Ok(new Page<EventView>([.. page.Take(limit).Select(EventView.Of)], next));
    }

    // The same events as the listing for the same filter, all of them (up to 1,000) in one feed.
    public static async Task<Results<ContentHttpResult, ValidationProblem>> ListingCalendar(
        CeremoniesDb db, TimeProvider clock, IOptions<SiteOptions> site, CancellationToken cancellationToken, string? country = null, string? city = null,
        DateTimeOffset? from = null, DateTimeOffset? to = null, Guid? observance = null, string? q = null)
    {
        var filter = new EventFilter(country, city, from, to, observance, q);
        if (filter.Problem() is var (field, message))
        {
            return Problems.Invalid(field, message);
        }
        var events = await db.Events.AsNoTracking().Matching(db, filter, clock.GetUtcNow()).InListingOrder().Take(1000).ToListAsync(cancellationToken);
        return Calendar(EventQueries.Calendar("Commemoration events", events, e => site.Value.Link($"events/{e.Id}")));
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> EventCalendar(
        Guid id, EventActions actions, ClaimsPrincipal user, IOptions<SiteOptions> site, CancellationToken cancellationToken)
    {
        if (await actions.FindVisibleAsync(user, id, cancellationToken) is not { } e)
        {
            return Problems.NotFound("event");
        }
        return Calendar(EventQueries.Calendar(e.Title, [e], x => site.Value.Link($"events/{x.Id}")));
    }

    public static async Task<Results<Ok<EventView>, ProblemHttpResult>> Get(
        Guid id, EventActions actions, ClaimsPrincipal user, HttpResponse response, CancellationToken cancellationToken)
    {
        if (await actions.FindVisibleAsync(user, id, cancellationToken) is not { } e)
        {
            return Problems.NotFound("event");
        }
        response.Headers.ETag = ETags.For(e.Version);
        return TypedResults.Ok(EventView.Of(e));
    }

    public static async Task<Results<Created<EventView>, ProblemHttpResult, ValidationProblem>> Submit(
        EventRequest request, EventActions actions, ClaimsPrincipal user, HttpResponse response, CancellationToken cancellationToken)
    {
        var outcome = await actions.SubmitAsync(user, request, cancellationToken);
        if (outcome.Event is not { } e)
        {
            return outcome.Refusal == EventRefusal.Invalid ? Invalid(outcome) : Problem(outcome);
        }
        response.Headers.ETag = ETags.For(e.Version);
        return TypedResults.Created($"/api/events/{e.Id}", EventView.Of(e));
    }

    public static async Task<Results<Ok<EventView>, ProblemHttpResult, ValidationProblem>> Change(
        Guid id, EventRequest request, EventActions actions, ClaimsPrincipal user, [FromHeader(Name = "If-Match")] string? ifMatch,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if (!ETags.TryRead(ifMatch, out var expected))
        {
            return Problems.Stale();
        }
        return Answer(await actions.ChangeAsync(user, id, request, expected, cancellationToken), response);
    }

    public static async Task<Results<Ok<EventView>, ProblemHttpResult, ValidationProblem>> Withdraw(
        Guid id, EventActions actions, ClaimsPrincipal user, HttpResponse response, CancellationToken cancellationToken) =>
        Answer(await actions.WithdrawAsync(user, id, null, cancellationToken), response);

    // With If-Match, the decision is on the version the moderator read; a change since is a 412.
    public static async Task<Results<Ok<EventView>, ProblemHttpResult, ValidationProblem>> Approve(
        Guid id, ModerationRequest? request, EventActions actions, ClaimsPrincipal user, [FromHeader(Name = "If-Match")] string? ifMatch,
        HttpResponse response, CancellationToken cancellationToken) =>
        !ETags.TryRead(ifMatch, out var expected) ? Problems.Stale()
            : Answer(await actions.ApproveAsync(user, id, request?.Reason, cancellationToken, expected), response);

    public static async Task<Results<Ok<EventView>, ProblemHttpResult, ValidationProblem>> Reject(
        Guid id, ModerationRequest? request, EventActions actions, ClaimsPrincipal user, [FromHeader(Name = "If-Match")] string? ifMatch,
        HttpResponse response, CancellationToken cancellationToken) =>
        !ETags.TryRead(ifMatch, out var expected) ? Problems.Stale()
            : Answer(await actions.RejectAsync(user, id, request?.Reason, cancellationToken, expected), response);

    // The signed-in organizer's events, in every state, latest first.
    public static async Task<Ok<List<EventView>>> Mine(CeremoniesDb db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (user.UserId is not { } me)
        {
            return TypedResults.Ok(new List<EventView>());
        }
        var events = await db.Events.AsNoTracking().OrganizedBy(me).Take(500).ToListAsync(cancellationToken);
        return TypedResults.Ok(events.Select(EventView.Of).ToList());
    }

    // The moderators' queue: events waiting for review, oldest submission first.
    public static async Task<Ok<List<EventView>>> Queue(CeremoniesDb db, CancellationToken cancellationToken)
    {
        var events = await db.Events.AsNoTracking().AwaitingReview().Take(500).ToListAsync(cancellationToken);
        return TypedResults.Ok(events.Select(EventView.Of).ToList());
    }

    // 202 whatever the address: its owner gets a link to confirm (or their links again).
    public static async Task<Results<Accepted, ProblemHttpResult>> Register(
        Guid id, RegistrationRequest request, EventAttendance attendance, CancellationToken cancellationToken)
    {
        var outcome = await attendance.RegisterAsync(id, request.Name, request.Email, cancellationToken);
        return outcome.Refusal switch
        {
            AttendanceRefusal.None => TypedResults.Accepted((string?)null),
            AttendanceRefusal.Closed => Problems.Conflict("Registration for this event has closed: it has begun."),
            _ => Problems.NotFound("event"),
        };
    }

    public static async Task<Results<Ok<RegistrationView>, ProblemHttpResult>> Registration(
        string? token, EventAttendance attendance, CancellationToken cancellationToken) =>
        Answer(await attendance.FindAsync(token ?? "", cancellationToken));

    public static async Task<Results<Ok<RegistrationView>, ProblemHttpResult>> Confirm(
        TokenRequest request, EventAttendance attendance, CancellationToken cancellationToken) =>
        Answer(await attendance.ConfirmAsync(request.Token, cancellationToken));

    public static async Task<Results<Ok<RegistrationView>, ProblemHttpResult>> Accept(
        TokenRequest request, EventAttendance attendance, CancellationToken cancellationToken) =>
        Answer(await attendance.AcceptOfferAsync(request.Token, cancellationToken));

    public static async Task<Results<Ok<RegistrationView>, ProblemHttpResult>> Cancel(
        TokenRequest request, EventAttendance attendance, CancellationToken cancellationToken) =>
        Answer(await attendance.CancelAsync(request.Token, cancellationToken));

    public static async Task<Results<Ok<List<AttendeeView>>, ProblemHttpResult>> Attendees(
        Guid id, CeremoniesDb db, EventActions actions, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await AttendeesOfAsync(id, db, actions, user, cancellationToken) is not { } attendees)
        {
            return await NotTheirsAsync(id, actions, user, cancellationToken);
        }
        return TypedResults.Ok(attendees.Select(AttendeeView.Of).ToList());
    }

    // The attendee list for a spreadsheet. A cell that a spreadsheet would read as a formula is
    // written as text (a leading apostrophe), since names and addresses are typed by anyone.
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> AttendeesCsv(
        Guid id, CeremoniesDb db, EventActions actions, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await AttendeesOfAsync(id, db, actions, user, cancellationToken) is not { } attendees)
        {
            return await NotTheirsAsync(id, actions, user, cancellationToken);
        }
        var csv = new StringBuilder("name,email,state,queued_at,offer_expires_at,registered_at\r\n");
        foreach (var a in attendees)
        {
            csv.AppendJoin(',', Cell(a.Name), Cell(a.Email), Cell(a.State.ToString().ToLowerInvariant()), Cell(Instant(a.QueuedAt)),
                Cell(Instant(a.OfferExpiresAt)), Cell(Instant(a.CreatedAt))).Append("\r\n");
        }
        return TypedResults.File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv.ToString())).ToArray(),
            "text/csv; charset=utf-8", $"attendees-{id:N}.csv");
    }

    // Those who registered, for the event's organizer and admins only; null for anyone else.
    private static async Task<List<EventRegistration>?> AttendeesOfAsync(
        Guid id, CeremoniesDb db, EventActions actions, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await actions.FindVisibleAsync(user, id, cancellationToken) is not { } e || (!user.IsOrganizerOf(e) && !user.IsAdmin))
        {
            return null;
        }
        return await db.EventRegistrations.AsNoTracking().Where(r => r.EventId == id && r.State != RegistrationState.Pending)
            .OrderBy(r => r.State).ThenBy(r => r.QueuedAt).ThenBy(r => r.Id).ToListAsync(cancellationToken);
    }

    // Why someone may not see who registered: the event is not theirs to see at all, or not theirs.
    private static async Task<ProblemHttpResult> NotTheirsAsync(Guid id, EventActions actions, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await actions.FindVisibleAsync(user, id, cancellationToken) is null
            ? Problems.NotFound("event")
            : Problems.Forbidden("Only the event's organizer sees who registered.");

    private static string Instant(DateTimeOffset? instant) => instant?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    private static string Cell(string value)
    {
        var text = value.Length > 0 && "=+-@\t\r".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
    }

    private static ContentHttpResult Calendar(string ics) => TypedResults.Text(ics, "text/calendar; charset=utf-8", Encoding.UTF8);

    private static Results<Ok<EventView>, ProblemHttpResult, ValidationProblem> Answer(EventOutcome outcome, HttpResponse response)
    {
        if (outcome.Event is not { } e)
        {
            return outcome.Refusal == EventRefusal.Invalid ? Invalid(outcome) : Problem(outcome);
        }
        response.Headers.ETag = ETags.For(e.Version);
        return TypedResults.Ok(EventView.Of(e));
    }

    private static Results<Ok<RegistrationView>, ProblemHttpResult> Answer(AttendanceOutcome outcome) => outcome.Refusal switch
    {
        AttendanceRefusal.None => TypedResults.Ok(RegistrationView.Of(outcome)),
        AttendanceRefusal.Closed => Problems.Conflict("This event is no longer taking registrations."),
        AttendanceRefusal.Expired => Problems.Conflict("This offer has ended: the seat went to the next person waiting."),
        _ => Problems.NotFound("registration"),
    };

    private static ValidationProblem Invalid(EventOutcome outcome) =>
        TypedResults.ValidationProblem(outcome.Errors!, title: outcome.Message, type: ProblemTypes.Validation); // an Invalid outcome has errors

    private static ProblemHttpResult Problem(EventOutcome outcome) => outcome.Refusal switch
    {
        EventRefusal.Forbidden => Problems.Forbidden(outcome.Message!), // these outcomes carry their message
        EventRefusal.Conflict => Problems.Conflict(outcome.Message!, outcome.Detail),
        EventRefusal.Stale => Problems.Stale(),
        _ => Problems.NotFound("event"),
    };
}
