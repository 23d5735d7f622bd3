namespace Ceremonies.Infrastructure.Http;

// Stable problem "type" URIs; clients may switch on them. They resolve to nothing yet, as RFC 9457 allows.
public static class ProblemTypes
{
    private const string Base = "https://ceremonies.example/problems/";

    public const string BadRequest = Base + "bad-request";
    public const string MalformedJson = Base + "malformed-json";
    public const string Validation = Base + "validation";
    public const string NotFound = Base + "not-found";
    public const string RateLimited = Base + "rate-limited";
    public const string Conflict = Base + "conflict";
    public const string StalePrecondition = Base + "stale";
    public const string Forbidden = Base + "forbidden";
    public const string Unavailable = Base + "unavailable";
}
