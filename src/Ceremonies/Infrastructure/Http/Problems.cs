using Microsoft.AspNetCore.Http.HttpResults;

namespace Ceremonies.Infrastructure.Http;

// The problems every feature answers with, each with its stable type.
public static class Problems
{
    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No such {what}.", type: ProblemTypes.NotFound);

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "You may see this but not change it.", detail: detail, type: ProblemTypes.Forbidden);

    public static ProblemHttpResult Stale() =>
        TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed,
            title: "It was changed since you read it.",
            detail: "Read it again (GET), then repeat your change with the new ETag in If-Match.",
            type: ProblemTypes.StalePrecondition);

    public static ProblemHttpResult Conflict(string title, string? detail = null) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail, type: ProblemTypes.Conflict);

    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, type: ProblemTypes.Validation);
}

// ETags are the row's version (PostgreSQL xmin). If-Match is honoured when sent.
public static class ETags
{
    public static string For(uint version) => $"\"{version}\"";

    // True when the request's If-Match names another version than the stored one, or cannot be read.
    public static bool IsStale(string? ifMatch, uint version) =>
        !TryRead(ifMatch, out var expected) || (expected is not null && expected != version);

    // False when If-Match cannot be read. Expected is null when the request sent none (or "*");
    // otherwise it is the version the request expects.
    public static bool TryRead(string? ifMatch, out uint? expected)
    {
        expected = null;
        var header = (ifMatch ?? "").Trim();
        if (header.Length == 0 || header == "*")
        {
            return true;
        }
        var value = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        if (value.Length > 2 && value[0] == '"' && value[^1] == '"'
            && uint.TryParse(value[1..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            expected = version;
            return true;
        }
        return false;
    }
}
