using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ceremonies.Infrastructure.Email;

// Ready when the SMTP server greets us with 220; the connection is closed politely with QUIT.
internal sealed class SmtpHealthCheck(IOptions<SmtpOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var smtp = options.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(smtp.Host, smtp.Port, timeout.Token);
            var stream = tcp.GetStream();
            var buffer = new byte[512];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var greeting = Encoding.ASCII.GetString(buffer, 0, read);
            await stream.WriteAsync("QUIT\r\n"u8.ToArray(), timeout.Token);
            return greeting.StartsWith("220", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy($"{smtp.Host}:{smtp.Port} greets")
                : HealthCheckResult.Unhealthy($"{smtp.Host}:{smtp.Port} answered '{greeting.Trim()}'");
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{smtp.Host}:{smtp.Port} unreachable", e);
        }
    }
}
