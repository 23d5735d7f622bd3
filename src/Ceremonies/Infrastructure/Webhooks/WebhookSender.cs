using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Ceremonies.Infrastructure.Webhooks;

public sealed record WebhookCall(Uri Url, byte[] Body, string Timestamp, string Signature, string DeliveryId);

public readonly record struct WebhookResult(int? Status, string? Error, TimeSpan Elapsed)
{
    public bool Delivered => Status is >= 200 and < 300;
}

// Posts a JSON body to a venue's PA system, signed with the venue's secret: the receiver recomputes
// HMAC-SHA256 over "{Ceremonies-Timestamp}.{body}" and compares it with Ceremonies-Signature
// ("sha256=" and the hex digest); the timestamp lets it refuse a replay. No redirects, no proxy.
public sealed class WebhookSender(HttpClient http, TimeProvider clock)
{
    public const string TimestampHeader = "Ceremonies-Timestamp";
    public const string SignatureHeader = "Ceremonies-Signature";
    public const string DeliveryHeader = "Ceremonies-Delivery";

    // Everything but the sending, done ahead of the moment when the sending must be quick.
    public WebhookCall Prepare(Uri url, string secret, string body, Guid deliveryId)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return new WebhookCall(url, Encoding.UTF8.GetBytes(body), timestamp, Sign(secret, timestamp, body), deliveryId.ToString());
    }

    public async Task<WebhookResult> SendAsync(WebhookCall call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, call.Url) { Content = new ByteArrayContent(call.Body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(TimestampHeader, call.Timestamp);
        request.Headers.Add(SignatureHeader, call.Signature);
        request.Headers.Add(DeliveryHeader, call.DeliveryId);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            return new WebhookResult((int)response.StatusCode, response.IsSuccessStatusCode ? null : $"answered {(int)response.StatusCode} {response.ReasonPhrase}", clock.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookResult(null, $"no answer within {timeout.TotalSeconds:0.#} s", clock.GetElapsedTime(started));
        }
        catch (HttpRequestException e)
        {
            return new WebhookResult(null, Describe(e), clock.GetElapsedTime(started));
        }
    }

    public static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    private static string Describe(HttpRequestException error)
    {
        var text = error.InnerException is { } inner ? $"{error.Message} ({inner.Message})" : error.Message;
        return text.Length <= 500 ? text : text[..500];
    }

    // Connections go through WebhookConnections, which checks every address it connects to.
    public static SocketsHttpHandler Handler(WebhookOptions options, WebhookConnections connections) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxConnectionsPerServer = options.Concurrency,
        ConnectCallback = (context, cancellationToken) => connections.ConnectAsync(context.DnsEndPoint, cancellationToken),
    };
}

public static class WebhookSetup
{
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WebhookConnections>();
        builder.Services.AddHttpClient<WebhookSender>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(services => WebhookSender.Handler(
                services.GetRequiredService<IOptions<WebhookOptions>>().Value, services.GetRequiredService<WebhookConnections>()))
            // The handler checks addresses by the options it was built with; rebuild it seldom.
            .SetHandlerLifetime(TimeSpan.FromMinutes(10))
            // One log line per signal would be thousands at T; attempts are recorded in signal_attempts.
            .RemoveAllLoggers();
        return builder;
    }
}
