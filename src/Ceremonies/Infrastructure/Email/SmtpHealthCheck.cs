using MailKit.Net.Smtp;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ceremonies.Infrastructure.Email;

// Ready when the SMTP server takes a connection as configured (TLS included), greets, answers EHLO
// and NOOP; the connection is then closed with QUIT. Its own connection, not one of the pool's, so
// a check never waits behind the outbox. Credentials are left to the senders.
internal sealed class SmtpHealthCheck(IOptions<SmtpOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var smtp = options.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        using var client = new SmtpClient { Timeout = 3000 };
        try
        {
            await SmtpConnections.OpenAsync(client, smtp, authenticate: false, timeout.Token);
            await client.NoOpAsync(timeout.Token);
            await client.DisconnectAsync(true, timeout.Token);
            return HealthCheckResult.Healthy($"{smtp.Host}:{smtp.Port} answers");
        }
        // Refused, timed out, a failed TLS handshake, a 4xx/5xx answer: all mean not ready.
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{smtp.Host}:{smtp.Port} unreachable", e);
        }
    }
}
