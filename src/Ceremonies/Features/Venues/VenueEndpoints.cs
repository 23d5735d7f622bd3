using System.Security.Claims;
using System.Text;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Security;
using Ceremonies.Infrastructure.Validation;
using Ceremonies.Infrastructure.Webhooks;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ceremonies.Features.Venues;

// Venues and their halls are public to read: organizers choose a hall of any venue. Admins create
// venues; a venue's managers (and admins) edit it and its halls. Anonymous writes get 401.
public static class VenueEndpoints
{
    public static RouteGroupBuilder MapVenues(this IEndpointRouteBuilder app)
    {
        var venues = app.MapGroup("/api/venues").WithTags("Venues");
        venues.MapGet("/", List).AllowAnonymous();
        venues.MapGet("/{id:guid}", Get).AllowAnonymous();
        venues.MapPost("/", Create).RequireAuthorization(Policies.Admin);
        venues.MapPut("/{id:guid}", Update).RequireAuthorization();
        venues.MapGet("/{id:guid}/halls", ListHalls).AllowAnonymous();
        venues.MapPost("/{id:guid}/halls", CreateHall).RequireAuthorization();

        var halls = app.MapGroup("/api/halls").WithTags("Venues");
        halls.MapGet("/{id:guid}", GetHall).AllowAnonymous();
        halls.MapPut("/{id:guid}", UpdateHall).RequireAuthorization();
        return venues;
    }

    public static async Task<Results<Ok<Page<VenueView>>, ValidationProblem>> List(
        CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization, CancellationToken cancellationToken,
        int limit = 50, string? cursor = null)
    {
        if (limit is < 1 or > 200)
        {
            return Problems.Invalid("limit", "Give a limit from 1 to 200.");
        }
        var query = db.Venues.AsNoTracking();
        if (cursor is not null)
        {
            if (!TryReadCursor(cursor, out var afterName, out var afterId))
            {
                return Problems.Invalid("cursor", "Use the nextCursor of a previous page, unchanged.");
            }
            // Translated to SQL "name > @afterName", which compares by the column's collation like the ORDER BY.
#pragma warning disable CA1309
            query = query.Where(v => string.Compare(v.Name, afterName) > 0 || (v.Name == afterName && v.Id.CompareTo(afterId) > 0));
#pragma warning restore CA1309
        }
        var page = await query.OrderBy(v => v.Name).ThenBy(v => v.Id).Take(limit + 1).ToListAsync(cancellationToken);
        // The caller's memberships of the whole page in one query, then the policy per venue.
        var ids = page.Select(v => v.Id).ToList();
        var me = Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : Guid.Empty;
        var roles = await db.VenueMemberships.AsNoTracking()
            .Where(m => m.UserId == me && ids.Contains(m.VenueId))
            .ToDictionaryAsync(m => m.VenueId, m => m.Role, cancellationToken);
        var items = new List<VenueView>();
        foreach (var venue in page.Take(limit))
        {
            var known = roles.TryGetValue(venue.Id, out var role) ? role : (VenueRole?)null;
            items.Add(VenueView.Of(venue, await authorization.IsManagerAsync(user, venue.Id, known)));
        }
        var next = page.Count > limit ? Cursor(page[limit - 1]) : null;
        return TypedResults.Ok(new Page<VenueView>(items, next));
    }

    public static async Task<Results<Ok<VenueView>, ProblemHttpResult>> Get(
        Guid id, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization, HttpResponse response, CancellationToken cancellationToken)
    {
        var venue = await db.Venues.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (venue is null)
        {
            return Problems.NotFound("venue");
        }
        response.Headers.ETag = ETags.For(venue.Version);
        return TypedResults.Ok(VenueView.Of(venue, await authorization.IsManagerAsync(user, id)));
    }

    public static async Task<Results<Created<VenueView>, ProblemHttpResult, ValidationProblem>> Create(
        VenueRequest request, CeremoniesDb db, ClaimsPrincipal user, TimeProvider clock, IOptions<WebhookOptions> webhooks,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if (await RefuseWebhookAsync(request.WebhookUrl, webhooks.Value, cancellationToken) is { } refused)
        {
            return refused;
        }
        var now = clock.GetUtcNow();
        var venue = new Venue
        {
            Id = Guid.CreateVersion7(now),
            Name = request.Name.Trim(),
            City = request.City.Trim(),
            Country = request.Country,
            TimeZone = IanaTimeZoneAttribute.Canonical(request.TimeZone)!, // validated: a known zone
            Address = request.Address?.Trim(),
            ContactEmail = request.ContactEmail,
            WebhookUrl = request.WebhookUrl,
            WebhookSecret = request.WebhookUrl is null ? null : request.WebhookSecret,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Venues.Add(venue);
        db.Audit(user, "venue.created", "venue", venue.Id, null, VenueView.Of(venue, manager: true), now);
        await db.SaveChangesAsync(cancellationToken);
        response.Headers.ETag = ETags.For(venue.Version);
        return TypedResults.Created($"/api/venues/{venue.Id}", VenueView.Of(venue, manager: true));
    }

    public static async Task<Results<Ok<VenueView>, ProblemHttpResult, ValidationProblem>> Update(
        Guid id, VenueRequest request, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        TimeProvider clock, IOptions<WebhookOptions> webhooks, [FromServices] IEnumerable<IVenueClockDependent> clockDependents,
        [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken cancellationToken)
    {
        var venue = await db.Venues.FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (venue is null)
        {
            return Problems.NotFound("venue");
        }
        if (!await authorization.IsManagerAsync(user, id))
        {
            return Problems.Forbidden("Only the venue's managers and admins edit a venue.");
        }
        if (ETags.IsStale(ifMatch, venue.Version))
        {
            return Problems.Stale();
        }
        if (await RefuseWebhookAsync(request.WebhookUrl, webhooks.Value, cancellationToken) is { } refused)
        {
            return refused;
        }
        var before = VenueView.Of(venue, manager: true);
        var zone = IanaTimeZoneAttribute.Canonical(request.TimeZone)!; // validated: a known zone
        var zoneChanged = zone != venue.TimeZone;
        venue.Name = request.Name.Trim();
        venue.City = request.City.Trim();
        venue.Country = request.Country;
        venue.TimeZone = zone;
        venue.Address = request.Address?.Trim();
        venue.ContactEmail = request.ContactEmail;
        venue.WebhookUrl = request.WebhookUrl;
        venue.WebhookSecret = request.WebhookUrl is null ? null : request.WebhookSecret ?? venue.WebhookSecret;
        venue.UpdatedAt = clock.GetUtcNow();
        db.Audit(user, "venue.updated", "venue", venue.Id, before, VenueView.Of(venue, manager: true), venue.UpdatedAt);
        if (zoneChanged)
        {
            foreach (var dependent in clockDependents)
            {
                await dependent.VenueZoneChangedAsync(venue, cancellationToken);
            }
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Stale();
        }
        response.Headers.ETag = ETags.For(venue.Version);
        return TypedResults.Ok(VenueView.Of(venue, manager: true));
    }

    // The PA system's address is checked when saved (and again on every send, after DNS): a venue's
    // manager must not be able to make the service call the cloud's metadata service or a machine
    // on its private network.
    private static async Task<ValidationProblem?> RefuseWebhookAsync(string? url, WebhookOptions options, CancellationToken cancellationToken)
    {
        if (url is null)
        {
            return null;
        }
        var refusal = Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? await WebhookTargets.CheckAsync(uri, options, cancellationToken)
            : TargetRefusal.NotHttp;
        return refusal == TargetRefusal.None ? null : Problems.Invalid("webhookUrl", $"The webhook address {WebhookTargets.Describe(refusal)}.");
    }

    public static async Task<Results<Ok<List<HallView>>, ProblemHttpResult>> ListHalls(Guid id, CeremoniesDb db, CancellationToken cancellationToken)
    {
        var venue = await db.Venues.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (venue is null)
        {
            return Problems.NotFound("venue");
        }
        var halls = await db.Halls.AsNoTracking().Where(h => h.VenueId == id).OrderBy(h => h.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(halls.Select(h => HallView.Of(h, venue.TimeZone)).ToList());
    }

    public static async Task<Results<Created<HallView>, ProblemHttpResult>> CreateHall(
        Guid id, HallRequest request, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        TimeProvider clock, HttpResponse response, CancellationToken cancellationToken)
    {
        var venue = await db.Venues.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (venue is null)
        {
            return Problems.NotFound("venue");
        }
        if (!await authorization.IsManagerAsync(user, id))
        {
            return Problems.Forbidden("Only the venue's managers and admins add halls.");
        }
        var now = clock.GetUtcNow();
        var hall = new Hall
        {
            Id = Guid.CreateVersion7(now),
            VenueId = id,
            Name = request.Name.Trim(),
            Capacity = request.Capacity,
            SetupMinutes = request.SetupMinutes,
            TeardownMinutes = request.TeardownMinutes,
            OpeningHours = request.Hours(),
            MinNoticeMinutes = request.MinNoticeMinutes ?? Hall.DefaultMinNoticeMinutes,
            MaxLengthMinutes = request.MaxLengthMinutes ?? Hall.DefaultMaxLengthMinutes,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Halls.Add(hall);
        db.Audit(user, "hall.created", "hall", hall.Id, null, HallView.Of(hall, venue.TimeZone), now);
        await db.SaveChangesAsync(cancellationToken);
        response.Headers.ETag = ETags.For(hall.Version);
        return TypedResults.Created($"/api/halls/{hall.Id}", HallView.Of(hall, venue.TimeZone));
    }

    public static async Task<Results<Ok<HallView>, ProblemHttpResult>> GetHall(Guid id, CeremoniesDb db, HttpResponse response, CancellationToken cancellationToken)
    {
        var found = await db.Halls.AsNoTracking().Where(h => h.Id == id)
            .Join(db.Venues, h => h.VenueId, v => v.Id, (h, v) => new { Hall = h, v.TimeZone })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return Problems.NotFound("hall");
        }
        response.Headers.ETag = ETags.For(found.Hall.Version);
        return TypedResults.Ok(HallView.Of(found.Hall, found.TimeZone));
    }

    public static async Task<Results<Ok<HallView>, ProblemHttpResult>> UpdateHall(
        Guid id, HallRequest request, CeremoniesDb db, ClaimsPrincipal user, IAuthorizationService authorization,
        TimeProvider clock, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken cancellationToken)
    {
        var hall = await db.Halls.FirstOrDefaultAsync(h => h.Id == id, cancellationToken);
        if (hall is null)
        {
            return Problems.NotFound("hall");
        }
        if (!await authorization.IsManagerAsync(user, hall.VenueId))
        {
            return Problems.Forbidden("Only the venue's managers and admins edit its halls.");
        }
        if (ETags.IsStale(ifMatch, hall.Version))
        {
            return Problems.Stale();
        }
        var zone = await db.Venues.Where(v => v.Id == hall.VenueId).Select(v => v.TimeZone).FirstAsync(cancellationToken);
        var before = HallView.Of(hall, zone);
        hall.Name = request.Name.Trim();
        hall.Capacity = request.Capacity;
        hall.SetupMinutes = request.SetupMinutes;
        hall.TeardownMinutes = request.TeardownMinutes;
        hall.OpeningHours = request.Hours();
        hall.MinNoticeMinutes = request.MinNoticeMinutes ?? hall.MinNoticeMinutes;
        hall.MaxLengthMinutes = request.MaxLengthMinutes ?? hall.MaxLengthMinutes;
        hall.UpdatedAt = clock.GetUtcNow();
        db.Audit(user, "hall.updated", "hall", hall.Id, before, HallView.Of(hall, zone), hall.UpdatedAt);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Stale();
        }
        response.Headers.ETag = ETags.For(hall.Version);
        return TypedResults.Ok(HallView.Of(hall, zone));
    }

    private static string Cursor(Venue last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.Id:N}|{last.Name}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryReadCursor(string cursor, out string name, out Guid id)
    {
        name = "";
        id = Guid.Empty;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            if (bar != 32 || !Guid.TryParseExact(text[..bar], "N", out id))
            {
                return false;
            }
            name = text[(bar + 1)..];
            // No stored name holds a NUL (PostgreSQL cannot store one), so a cursor whose does was made by hand.
            return !name.Contains('\0', StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
