using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Text;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Bookings;

// A hall's bookings as an .ics feed for the staff's own calendar apps. Calendar apps cannot sign
// in, so the address carries a secret token; the venue's staff create feeds and revoke them.
public static class CalendarFeedEndpoints
{
    public static RouteGroupBuilder MapCalendarFeeds(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Bookings");
        group.MapGet("/halls/{hallId:guid}/calendar.ics", Feed).AllowAnonymous();
        group.MapGet("/halls/{hallId:guid}/calendar-feeds", List).RequireAuthorization();
        group.MapPost("/halls/{hallId:guid}/calendar-feeds", Create).RequireAuthorization();
        group.MapDelete("/calendar-feeds/{id:guid}", Revoke).RequireAuthorization();
        return group;
    }

    public static async Task<Results<Created<CalendarFeedView>, ProblemHttpResult>> Create(
        Guid hallId, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization, TimeProvider clock,
        IOptions<SiteOptions> site, CancellationToken cancellationToken)
    {
        if (await BookingEndpoints.RefuseUnlessStaffOfHallAsync(db, authorization, user, hallId, cancellationToken) is { } refused)
        {
            return refused;
        }
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        var feed = new CalendarFeed
        {
            Id = Guid.CreateVersion7(now),
            HallId = hallId,
            TokenHash = Hash(token),
            CreatedBy = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!), // sign-in required
            CreatedAt = now,
        };
        db.CalendarFeeds.Add(feed);
        db.Audit(user, "calendar-feed.created", "hall", hallId, null, new { feed.Id }, now);
        await db.SaveChangesAsync(cancellationToken);
        // The token is shown this once; only its hash is kept.
        var url = site.Value.Link($"api/halls/{hallId}/calendar.ics?token={token}").AbsoluteUri;
        return TypedResults.Created($"/api/calendar-feeds/{feed.Id}", new CalendarFeedView(feed.Id, hallId, url, now));
    }

    public static async Task<Results<Ok<List<CalendarFeedView>>, ProblemHttpResult>> List(
        Guid hallId, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization, CancellationToken cancellationToken)
    {
        if (await BookingEndpoints.RefuseUnlessStaffOfHallAsync(db, authorization, user, hallId, cancellationToken) is { } refused)
        {
            return refused;
        }
        var feeds = await db.CalendarFeeds.AsNoTracking().Where(f => f.HallId == hallId && f.RevokedAt == null)
            .OrderBy(f => f.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(feeds.Select(f => new CalendarFeedView(f.Id, f.HallId, "(shown once, when it was created)", f.CreatedAt)).ToList());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        Guid id, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization, TimeProvider clock, CancellationToken cancellationToken)
    {
        var feed = await db.CalendarFeeds.FirstOrDefaultAsync(f => f.Id == id && f.RevokedAt == null, cancellationToken);
        if (feed is null || !await BookingEndpoints.IsStaffOfHallAsync(db, authorization, user, feed.HallId, cancellationToken))
        {
            return Problems.NotFound("calendar feed");
        }
        feed.RevokedAt = clock.GetUtcNow();
        db.Audit(user, "calendar-feed.revoked", "hall", feed.HallId, new { feed.Id }, null, feed.RevokedAt.Value);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> Feed(
        Guid hallId, string? token, CeremoniesDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var hash = token is { Length: > 10 and < 200 } ? Hash(token) : null;
        if (hash is null || !await db.CalendarFeeds.AnyAsync(f => f.HallId == hallId && f.TokenHash == hash && f.RevokedAt == null, cancellationToken))
        {
            return Problems.NotFound("calendar");
        }
        var context = (await db.HallContextAsync(hallId, cancellationToken))!; // the feed's hall exists (foreign key)
        var now = clock.GetUtcNow();
        var (from, until) = (now.AddDays(-60), now.AddDays(400));
        var bookings = await db.Bookings.AsNoTracking().Where(b => b.HallId == hallId && b.EndsAt > from && b.StartsAt < until)
            .OrderBy(b => b.StartsAt).ToListAsync(cancellationToken);
        var blackouts = await db.Blackouts.AsNoTracking().Where(b => b.HallId == hallId && b.EndsAt > from && b.StartsAt < until)
            .OrderBy(b => b.StartsAt).ToListAsync(cancellationToken);
        return TypedResults.Text(Calendar(context, bookings, blackouts), "text/calendar; charset=utf-8", Encoding.UTF8);
    }

    // RFC 5545 by Ical.Net. Instants are written in UTC, so the feed needs no VTIMEZONE; X-WR-TIMEZONE
    // tells calendar apps which zone the hall keeps.
    internal static string Calendar(HallContext context, IReadOnlyList<Booking> bookings, IReadOnlyList<Blackout> blackouts)
    {
        var calendar = new Ical.Net.Calendar { ProductId = "-//Ceremonies//Hall calendar//EN", Scale = "GREGORIAN", Method = "PUBLISH" };
        calendar.AddProperty("X-WR-CALNAME", $"{context.Hall.Name}, {context.VenueName}");
        calendar.AddProperty("X-WR-TIMEZONE", context.TimeZone);
        foreach (var b in bookings)
        {
            calendar.Events.Add(new CalendarEvent
            {
                Uid = $"booking-{b.Id}@ceremonies",
                DtStamp = Ics.Utc(b.UpdatedAt),
                LastModified = Ics.Utc(b.UpdatedAt),
                DtStart = Ics.Utc(b.StartsAt),
                DtEnd = Ics.Utc(b.EndsAt),
                Sequence = b.Sequence,
                Summary = b.State == BookingState.Requested ? $"{b.Title} (requested)" : b.Title,
                Description = $"{b.Kind}, {b.Attendees} attendees. Contact: {b.Contact}. Local time: {BookingMails.When(b)}.{(b.Notes is null ? "" : $"\n{b.Notes}")}",
                Location = $"{context.Hall.Name}, {context.VenueName}",
                Status = b.State switch
                {
                    BookingState.Confirmed => EventStatus.Confirmed,
                    BookingState.Requested => EventStatus.Tentative,
                    _ => EventStatus.Cancelled,
                },
            });
        }
        foreach (var b in blackouts)
        {
            calendar.Events.Add(new CalendarEvent
            {
                Uid = $"blackout-{b.Id}@ceremonies",
                DtStamp = Ics.Utc(b.CreatedAt),
                DtStart = Ics.Utc(b.StartsAt),
                DtEnd = Ics.Utc(b.EndsAt),
                Summary = $"Closed: {b.Reason}",
                Status = EventStatus.Confirmed,
                Transparency = TransparencyType.Opaque,
            });
        }
        return Ics.Write(calendar);
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
