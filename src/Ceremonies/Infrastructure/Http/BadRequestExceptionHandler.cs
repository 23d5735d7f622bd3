using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Ceremonies.Infrastructure.Http;

// Minimal APIs reject a body they cannot read with BadHttpRequestException. Turn that into a 400
// (or the 413/415 it carries) problem that names the field the JSON reader stopped at.
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        httpContext.Response.StatusCode = bad.StatusCode;
        var problem = bad.InnerException is JsonException json
            ? new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                [FieldName(json.Path)] = [json is NulCharacterException
                    ? NulCharacters.Message
                    : "This value is null where a value is needed, of the wrong type or form (text, number, true/false, list or object), or the JSON around it is broken."],
            })
            {
                Title = "The request body is not valid JSON for this endpoint.",
                Type = ProblemTypes.MalformedJson,
            }
            : new ProblemDetails
            {
                Title = bad.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                    StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON (Content-Type: application/json).",
                    _ => "The request could not be read.",
                },
                Detail = bad.Message,
                Type = ProblemTypes.BadRequest,
            };
        problem.Status = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    // "$.halls[0].capacity" -> "halls[0].capacity"; an error before any property -> "body".
    internal static string FieldName(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
}
