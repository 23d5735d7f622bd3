using System.Security.Claims;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Features.Venues;
using Ceremonies.Infrastructure.Http;
using Ceremonies.Infrastructure.Security;
using Ceremonies.Infrastructure.Validation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Observances;

// Observances and their occurrences are public to read (anyone may see when and where the minute
// is held). Admins define observances and create occurrences; a venue's managers (and admins) make
// it take part; its staff and managers acknowledge readiness. The board, with each venue's
// deliveries, is for admins and the managers of the venues taking part.
public static class ObservanceEndpoints
{
    public static RouteGroupBuilder MapObservances(this IEndpointRouteBuilder app)
    {
        var observances = app.MapGroup("/api/observances").WithTags("Observances");
        observances.MapGet("/", List).AllowAnonymous();
        observances.MapGet("/{id:guid}", Get).AllowAnonymous();
        observances.MapPost("/", Create).RequireAuthorization(Policies.Admin);
        observances.MapPut("/{id:guid}", Update).RequireAuthorization(Policies.Admin);
        observances.MapGet("/{id:guid}/occurrences/{year:int}", GetOccurrenceOfYear).AllowAnonymous();
        observances.MapPost("/{id:guid}/occurrences/{year:int}", CreateOccurrence).RequireAuthorization(Policies.Admin);

        var occurrences = app.MapGroup("/api/occurrences").WithTags("Observances");
        occurrences.MapGet("/{id:guid}", GetOccurrence).AllowAnonymous();
        occurrences.MapPost("/{id:guid}/venues", Join).RequireAuthorization();
        occurrences.MapGet("/{id:guid}/board", Board).RequireAuthorization();

        app.MapPost("/api/venues/{id:guid}/readiness", AcknowledgeReadiness).WithTags("Observances").RequireAuthorization();
        app.MapLive();
        return observances;
    }

    public static async Task<Ok<List<ObservanceView>>> List(CeremoniesDb db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.Observances.AsNoTracking().OrderBy(o => o.Month).ThenBy(o => o.Day).ThenBy(o => o.Name)
            .Select(o => ObservanceView.Of(o)).ToListAsync(cancellationToken));

    public static async Task<Results<Ok<ObservanceView>, ProblemHttpResult>> Get(
        Guid id, CeremoniesDb db, HttpResponse response, CancellationToken cancellationToken)
    {
        if (await db.Observances.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, cancellationToken) is not { } observance)
        {
            return Problems.NotFound("observance");
        }
        response.Headers.ETag = ETags.For(observance.Version);
        return TypedResults.Ok(ObservanceView.Of(observance));
    }

    public static async Task<Results<Created<ObservanceView>, ValidationProblem>> Create(
        ObservanceRequest request, CeremoniesDb db, ClaimsPrincipal user, TimeProvider clock, HttpResponse response, CancellationToken cancellationToken)
    {
        if (request.HostVenueId is { } host && !await db.Venues.AnyAsync(v => v.Id == host, cancellationToken))
        {
            return Problems.Invalid("hostVenueId", "No venue has this id.");
        }
        var now = clock.GetUtcNow();
        var observance = new Observance
        {
            Id = Guid.CreateVersion7(now),
            Name = "",
            Month = request.Month,
            Day = request.Day,
            SilenceLocalTime = request.SilenceLocalTime!.Value, // validated: required
            ReferenceZone = "",
            Mode = request.Mode,
            NoticeMinutesBefore = request.NoticeMinutesBefore,
            PrepareMinutesBefore = request.PrepareMinutesBefore,
            SilenceSeconds = request.SilenceSeconds,
            CreatedAt = now,
            UpdatedAt = now,
        };
        Apply(request, observance);
        db.Observances.Add(observance);
        db.Audit(user, "observance.created", "observance", observance.Id, null, ObservanceView.Of(observance), now);
        await db.SaveChangesAsync(cancellationToken);
        response.Headers.ETag = ETags.For(observance.Version);
        return TypedResults.Created($"/api/observances/{observance.Id}", ObservanceView.Of(observance));
    }

    // A changed rule moves the minutes still ahead: each taking part venue's instant, its signals
    // not yet sent and its mails not yet sent are planned again in the same save (If-Match honoured).
    public static async Task<Results<Ok<ObservanceView>, ProblemHttpResult, ValidationProblem>> Update(
        Guid id, ObservanceRequest request, CeremoniesDb db, OccurrencePlanning planning, ClaimsPrincipal user, TimeProvider clock,
        [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken cancellationToken)
    {
        var observance = await db.Observances.FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (observance is null)
        {
            return Problems.NotFound("observance");
        }
        if (ETags.IsStale(ifMatch, observance.Version))
        {
            return Problems.Stale();
        }
        if (request.HostVenueId is { } host && !await db.Venues.AnyAsync(v => v.Id == host, cancellationToken))
        {
            return Problems.Invalid("hostVenueId", "No venue has this id.");
        }
        var before = ObservanceView.Of(observance);
        Apply(request, observance);
        observance.UpdatedAt = clock.GetUtcNow();
        db.Audit(user, "observance.updated", "observance", observance.Id, before, ObservanceView.Of(observance), observance.UpdatedAt);
        await planning.ReplanAsync(observanceId: id, cancellationToken: cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Stale();
        }
        response.Headers.ETag = ETags.For(observance.Version);
        return TypedResults.Ok(ObservanceView.Of(observance));
    }

    private static void Apply(ObservanceRequest request, Observance observance)
    {
        observance.Name = request.Name.Trim();
        observance.Description = request.Description?.Trim();
        observance.Month = request.Month;
        observance.Day = request.Day;
        observance.SilenceLocalTime = request.SilenceLocalTime!.Value; // validated: required
        observance.ReferenceZone = IanaTimeZoneAttribute.Canonical(request.ReferenceZone)!; // validated: a known zone
        observance.Mode = request.Mode;
        observance.HostVenueId = request.HostVenueId;
        observance.NoticeMinutesBefore = request.NoticeMinutesBefore;
        observance.PrepareMinutesBefore = request.PrepareMinutesBefore;
        observance.SilenceSeconds = request.SilenceSeconds;
    }

    public static async Task<Results<Ok<OccurrenceView>, ProblemHttpResult>> GetOccurrenceOfYear(
        Guid id, int year, CeremoniesDb db, CancellationToken cancellationToken) =>
        await OccurrenceQueries.IdOfAsync(db, id, year, cancellationToken) is { } occurrenceId
        && await OccurrenceQueries.ViewAsync(db, occurrenceId, cancellationToken) is { } view
            ? TypedResults.Ok(view)
            : Problems.NotFound("occurrence");

    // Idempotent: 201 when it creates the year's occurrence, 200 when it was there.
    public static async Task<Results<Created<OccurrenceView>, Ok<OccurrenceView>, ProblemHttpResult, ValidationProblem>> CreateOccurrence(
        Guid id, int year, CeremoniesDb db, OccurrenceActions actions, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (year is < 2000 or > 2200)
        {
            return Problems.Invalid("year", "Give a year from 2000 to 2200.");
        }
        var observance = await db.Observances.FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (observance is null)
        {
            return Problems.NotFound("observance");
        }
        var (occurrence, created) = await actions.CreateAsync(observance, year, user, cancellationToken);
        var view = (await OccurrenceQueries.ViewAsync(db, occurrence.Id, cancellationToken))!; // just created or found
        return created ? TypedResults.Created($"/api/occurrences/{occurrence.Id}", view) : TypedResults.Ok(view);
    }

    public static async Task<Results<Ok<OccurrenceView>, ProblemHttpResult>> GetOccurrence(Guid id, CeremoniesDb db, CancellationToken cancellationToken) =>
        await OccurrenceQueries.ViewAsync(db, id, cancellationToken) is { } view ? TypedResults.Ok(view) : Problems.NotFound("occurrence");

    public static async Task<Results<Created<OccurrenceView>, Ok<OccurrenceView>, ProblemHttpResult>> Join(
        Guid id, JoinRequest request, CeremoniesDb db, OccurrenceActions actions, ClaimsPrincipal user,
        IAuthorizationService authorization, CancellationToken cancellationToken)
    {
        var venueId = request.VenueId!.Value; // validated: required
        var occurrence = await db.Occurrences.FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        var venue = await db.Venues.FirstOrDefaultAsync(v => v.Id == venueId, cancellationToken);
        if (occurrence is null || venue is null)
        {
            return Problems.NotFound(occurrence is null ? "occurrence" : "venue");
        }
        if (!await authorization.IsManagerAsync(user, venueId))
        {
            return Problems.Forbidden("Only the venue's managers and admins make it take part.");
        }
        var outcome = await actions.JoinAsync(occurrence, venue, user, cancellationToken);
        if (outcome == JoinOutcome.Over)
        {
            return Problems.Conflict("The minute of silence is over", "This occurrence's minute has already been held at this venue.");
        }
        var view = (await OccurrenceQueries.ViewAsync(db, id, cancellationToken))!; // found above
        return outcome == JoinOutcome.Joined ? TypedResults.Created($"/api/occurrences/{id}", view) : TypedResults.Ok(view);
    }

    public static async Task<Results<Ok<BoardView>, ProblemHttpResult>> Board(
        Guid id, CeremoniesDb db, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await OccurrenceQueries.BoardForAsync(db, id, user, cancellationToken) switch
        {
            ({ } board, _) => TypedResults.Ok(board),
            (_, BoardAccess.NotFound) => Problems.NotFound("occurrence"),
            _ => Problems.Forbidden("The board is for admins and the managers of the venues taking part."),
        };

    public static async Task<Results<Ok<ParticipantView>, ProblemHttpResult>> AcknowledgeReadiness(
        Guid id, ReadinessRequest request, CeremoniesDb db, OccurrenceActions actions, ClaimsPrincipal user,
        IAuthorizationService authorization, CancellationToken cancellationToken)
    {
        var occurrenceId = request.OccurrenceId!.Value; // validated: required
        if (!await db.OccurrenceVenues.AnyAsync(p => p.VenueId == id && p.OccurrenceId == occurrenceId, cancellationToken))
        {
            return Problems.NotFound("venue taking part in this occurrence");
        }
        if (!await authorization.IsMemberAsync(user, id))
        {
            return Problems.Forbidden("Only the venue's staff, its managers and admins acknowledge its readiness.");
        }
        await actions.AcknowledgeReadinessAsync(occurrenceId, id, user, cancellationToken);
        var view = (await OccurrenceQueries.ParticipantsAsync(db, occurrenceId, cancellationToken)).Single(p => p.VenueId == id);
        return TypedResults.Ok(view);
    }
}
