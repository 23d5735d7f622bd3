using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ceremonies.Infrastructure.Security;

public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    // Attempts to sign in from one address per window; failed passwords also lock the account after 10.
    [Range(1, 100000)]
    public int SignInPermits { get; set; } = 10;

    [Range(1, 86400)]
    public int SignInWindowSeconds { get; set; } = 900;

    // Registrations and reset or confirmation mails requested from one address per window.
    [Range(1, 100000)]
    public int AccountMailPermits { get; set; } = 5;

    [Range(1, 86400)]
    public int AccountMailWindowSeconds { get; set; } = 900;
}

public static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string AccountMail = "account-mail";

    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(SignIn, context => PerAddress(context, o => (o.SignInPermits, o.SignInWindowSeconds)));
            limiter.AddPolicy(AccountMail, context => PerAddress(context, o => (o.AccountMailPermits, o.AccountMailWindowSeconds)));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var http = rejected.HttpContext;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many attempts from this address.",
                        Detail = $"Try again in {Math.Ceiling(retryAfter.TotalMinutes)} minute(s).",
                        Type = Http.ProblemTypes.RateLimited,
                    },
                });
            };
        });
        return builder;
    }

    // Only attempts count: showing a form (GET) is free.
    private static RateLimitPartition<string> PerAddress(HttpContext context, Func<RateLimitOptions, (int Permits, int WindowSeconds)> pick)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            return RateLimitPartition.GetNoLimiter("read");
        }
        var (permits, window) = pick(context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value);
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetFixedWindowLimiter($"{address}:{permits}:{window}", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromSeconds(window),
            QueueLimit = 0,
        });
    }
}
