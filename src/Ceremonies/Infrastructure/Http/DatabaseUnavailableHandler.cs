using System.Globalization;
using Ceremonies.Data;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Ceremonies.Infrastructure.Http;

// A database that is briefly out of reach (restarting, a dropped connection, every connection busy)
// or a conflict that stayed after RetryStrategy's retries is not a fault of the request: answer 503
// with Retry-After, so clients come back, instead of a 500.
internal sealed partial class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseFailures.IsUnavailable(exception) && !DatabaseFailures.IsRolledBackConflict(exception))
        {
            return false;
        }
        LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path.Value ?? "", exception.GetBaseException().Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var written = await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service is briefly unavailable.",
                Detail = $"The database could not be reached, or stayed busy with conflicting changes. Try again in {RetryAfterSeconds} seconds; if you sent a change, look first whether it was made.",
                Type = ProblemTypes.Unavailable,
            },
            Exception = exception,
        });
        if (!written)
        {
            // A browser that accepts no JSON: a line of text is better than an empty page.
            httpContext.Response.ContentType = "text/plain; charset=utf-8";
            await httpContext.Response.WriteAsync("The service is briefly unavailable. Try again in a moment.", cancellationToken);
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the database is out of reach or busy ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string reason);
}
