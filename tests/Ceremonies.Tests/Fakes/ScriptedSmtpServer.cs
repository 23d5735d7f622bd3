using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ceremonies.Tests.Fakes;

// An SMTP server of a test's own on 127.0.0.1, for what MailDev cannot show: it answers RCPT TO as
// the test says (MailDev takes every address) and counts the sessions opened to it.
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string, string> _answerRecipient;
    private readonly Func<Task> _beforeAccepting;
    private readonly ConcurrentQueue<string> _delivered = new();
    private readonly ConcurrentBag<Task> _sessions = [];
    private readonly Task _accepting;
    private int _sessionCount;

    // answerRecipient: the reply to RCPT TO for an address, e.g. "250 OK" or "550 5.1.1 no such user".
    // beforeAccepting: awaited after a message's data has arrived and before it is accepted, so a test
    // can hold a send in flight.
    public ScriptedSmtpServer(Func<string, string> answerRecipient, Func<Task>? beforeAccepting = null)
    {
        _answerRecipient = answerRecipient;
        _beforeAccepting = beforeAccepting ?? (() => Task.CompletedTask);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Sessions => Volatile.Read(ref _sessionCount);

    // The recipients of the messages it accepted, one entry per message and recipient.
    public IReadOnlyCollection<string> Delivered => _delivered;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _sessionCount);
            _sessions.Add(ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
        var recipients = new List<string>();
        try
        {
            await writer.WriteLineAsync("220 scripted ESMTP");
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO" or "HELO" or "NOOP":
                        await writer.WriteLineAsync("250 scripted");
                        break;
                    case "MAIL" or "RSET":
                        recipients.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "RCPT":
                        var address = line[(line.IndexOf('<', StringComparison.Ordinal) + 1)..line.IndexOf('>', StringComparison.Ordinal)];
                        var answer = _answerRecipient(address);
                        if (answer.StartsWith('2'))
                        {
                            recipients.Add(address);
                        }
                        await writer.WriteLineAsync(answer);
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 go ahead");
                        while (await reader.ReadLineAsync(_stop.Token) is { } data && data != ".")
                        {
                        }
                        await _beforeAccepting();
                        foreach (var recipient in recipients)
                        {
                            _delivered.Enqueue(recipient);
                        }
                        recipients.Clear();
                        await writer.WriteLineAsync("250 OK queued");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 not implemented");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the client went away, or the server stops
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_sessions);
        _stop.Dispose();
    }
}
