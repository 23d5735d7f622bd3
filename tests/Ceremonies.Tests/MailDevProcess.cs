using System.Diagnostics;

namespace Ceremonies.Tests;

// A MailDev of a test's own, for tests that take the mail server away and bring it back.
public sealed class MailDevProcess : IAsyncDisposable
{
    private Process? _process;

    public int SmtpPort { get; } = FreePort.Next();

    public int WebPort { get; } = FreePort.Next();

    public MailDevClient Client => new(new Uri($"http://127.0.0.1:{WebPort}"));

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(TestEnvironment.MailDevExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--ip", "127.0.0.1", "--smtp", $"{SmtpPort}", "--web-ip", "127.0.0.1", "--web", $"{WebPort}", "--silent" })
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("MailDev did not start");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var health = await http.GetAsync(new Uri($"http://127.0.0.1:{WebPort}/api/healthz"));
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"MailDev did not answer on port {WebPort}");
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
