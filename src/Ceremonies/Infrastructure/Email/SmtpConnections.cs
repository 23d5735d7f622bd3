using System.Collections.Concurrent;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Ceremonies.Infrastructure.Email;

// SMTP connections kept open and reused: opening one (TCP, greeting, EHLO, perhaps TLS and AUTH)
// costs more than sending a message over it. At most Size are open, each carrying one message at a
// time (MailKit's SmtpClient is not thread-safe); a sender waits for a free one. A connection is
// opened when a sender finds none idle, so a quiet process holds few.
internal sealed partial class SmtpConnections(IOptions<SmtpOptions> options, ILogger<SmtpConnections> logger) : IAsyncDisposable
{
    private readonly SmtpOptions _options = options.Value;
    private readonly SemaphoreSlim _free = new(options.Value.Connections, options.Value.Connections);
    private readonly ConcurrentStack<SmtpClient> _idle = new(); // the most recently used first: the one least likely to have timed out
    private volatile bool _disposed;

    public int Size => _options.Connections;

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        await _free.WaitAsync(cancellationToken);
        SmtpClient? client = null;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var reused = _idle.TryPop(out client);
            client ??= new SmtpClient { Timeout = _options.TimeoutSeconds * 1000 };
            try
            {
                if (!client.IsConnected)
                {
                    reused = false;
                    await OpenAsync(client, _options, authenticate: true, cancellationToken);
                }
                await client.SendAsync(message, cancellationToken);
            }
            catch (Exception e) when (reused && IsDropped(e) && !cancellationToken.IsCancellationRequested)
            {
                // The server closed an idle connection (a restart, its idle timeout), which shows at
                // the first command, before the message is accepted: send it once more on a new one.
                // Were it a drop after the data, the repeat carries the same Message-ID.
                LogReopen(e);
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(false, CancellationToken.None);
                }
                await OpenAsync(client, _options, authenticate: true, cancellationToken);
                await client.SendAsync(message, cancellationToken);
            }
            _idle.Push(client);
            client = null;
            if (_disposed)
            {
                await CloseIdleAsync();
            }
        }
        finally
        {
            if (client is not null)
            {
                // After a failure the session's state is not worth reasoning about: the next sender opens a new one.
                await CloseAsync(client, quit: false);
            }
            _free.Release();
        }
    }

    public static async Task OpenAsync(SmtpClient client, SmtpOptions options, bool authenticate, CancellationToken cancellationToken)
    {
        // Our own socket, for NoDelay: MailKit writes a message in 4 KB pieces, and with Nagle's
        // algorithm on, the last piece of a message larger than that (a reminder with its calendar
        // file) waited for the server's delayed ACK, 40 ms on Linux, on every message: the reminder
        // benchmark sent 251 msg/s with the worker and PostgreSQL mostly idle (docs/bench-reminders.md).
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connecting.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
            await socket.ConnectAsync(options.Host, options.Port, connecting.Token);
            await client.ConnectAsync(socket, options.Host, options.Port, options.SocketOptions, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        if (authenticate && !string.IsNullOrEmpty(options.UserName))
        {
            await client.AuthenticateAsync(options.UserName, options.Password ?? "", cancellationToken);
        }
    }

    private static bool IsDropped(Exception error) => error is
        ServiceNotConnectedException or IOException or ProtocolException
        or SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable }; // 421: the server is closing the session

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await CloseIdleAsync();
    }

    private async Task CloseIdleAsync()
    {
        while (_idle.TryPop(out var client))
        {
            await CloseAsync(client, quit: true);
        }
    }

    private async Task CloseAsync(SmtpClient client, bool quit)
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(quit, timeout.Token);
            }
        }
        catch (Exception e) when (e is IOException or ProtocolException or CommandException or OperationCanceledException)
        {
            LogCloseFailed(e.Message);
        }
        finally
        {
            client.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "An SMTP connection was found closed; sending on a new one")]
    private partial void LogReopen(Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "An SMTP connection did not close cleanly: {Error}")]
    private partial void LogCloseFailed(string error);
}
