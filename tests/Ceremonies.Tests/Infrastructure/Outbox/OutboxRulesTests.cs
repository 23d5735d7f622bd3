using System.Net.Sockets;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Email;
using Ceremonies.Infrastructure.Outbox;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Ceremonies.Tests.Infrastructure.Outbox;

public sealed class OutboxRulesTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(3, 20)]
    [InlineData(8, 640)]
    [InlineData(9, 900)]
    [InlineData(40, 900)]
    public void RetriesDoubleTheWaitUpToTheCap(int attempts, int seconds)
    {
        var wait = RetryBackoff.After(attempts, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(900));

        Assert.Equal(TimeSpan.FromSeconds(seconds), wait);
    }

    [Fact]
    public void TheMessageIdDependsOnTheKeyAlone()
    {
        var first = OutboxMessage.MessageIdFor("reminder:subscriber-1:event-9:P1D", "ceremonies.local");

        Assert.Equal(first, OutboxMessage.MessageIdFor("reminder:subscriber-1:event-9:P1D", "ceremonies.local"));
        Assert.NotEqual(first, OutboxMessage.MessageIdFor("reminder:subscriber-1:event-9:PT1H", "ceremonies.local"));
        Assert.Matches("^<[0-9a-f]{40}@ceremonies.local>$", first);
    }

    [Theory]
    [InlineData(0.0, 40)]
    [InlineData(0.5, 35)]
    [InlineData(0.8, 32)]
    public void JitterShortensTheWaitByUpToItsShare(double sample, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryBackoff.Jittered(TimeSpan.FromSeconds(40), 0.25, sample));
    }

    [Fact]
    public void JitteredWaitsSpreadBelowTheDoublingAndNeverAboveIt()
    {
        var random = new Random(26);
        var waits = Enumerable.Range(0, 1000)
            .Select(_ => RetryBackoff.Jittered(RetryBackoff.After(3, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(900)), 0.25, random.NextDouble()))
            .ToList();

        Assert.All(waits, wait => Assert.InRange(wait, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20)));
        Assert.True(waits.Distinct().Count() > 900);
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryBackoff.Jittered(TimeSpan.FromSeconds(5), 1, 0.5));
    }

    [Fact]
    public void ARefusedRecipientOrAnUnwritableMessageIsPermanentAndAConnectionFailureOrA4xxIsNot()
    {
        var mailbox = new MailboxAddress("", "x@example.test");
        Assert.True(OutboxDispatcher.IsPermanent(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, mailbox, "No such user")));
        Assert.True(OutboxDispatcher.IsPermanent(new ParseException("not an address", 0, 3)));
        Assert.True(OutboxDispatcher.IsPermanent(new ArgumentException("a header the sender writes")));
        Assert.False(OutboxDispatcher.IsPermanent(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxBusy, mailbox, "busy")));
        Assert.False(OutboxDispatcher.IsPermanent(new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable, "closing")));
        Assert.False(OutboxDispatcher.IsPermanent(new SmtpProtocolException("The SMTP server has unexpectedly disconnected.")));
        Assert.False(OutboxDispatcher.IsPermanent(new IOException("connection reset")));
        Assert.False(OutboxDispatcher.IsPermanent(new SocketException((int)SocketError.ConnectionRefused)));
        Assert.False(OutboxDispatcher.IsPermanent(new TimeoutException()));
    }

    [Fact]
    public void AnUnreachableOrFailingServerIsTheServersFailureAndARefusalOrAnUnwritableMessageIsTheMessages()
    {
        var mailbox = new MailboxAddress("", "x@example.test");
        Assert.True(OutboxDispatcher.IsServerUnavailable(new SocketException((int)SocketError.ConnectionRefused)));
        Assert.True(OutboxDispatcher.IsServerUnavailable(new IOException("connection reset")));
        Assert.True(OutboxDispatcher.IsServerUnavailable(new TimeoutException()));
        Assert.True(OutboxDispatcher.IsServerUnavailable(new SmtpProtocolException("The SMTP server has unexpectedly disconnected.")));
        Assert.True(OutboxDispatcher.IsServerUnavailable(new AuthenticationException("bad credentials")));
        Assert.True(OutboxDispatcher.IsServerUnavailable(new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable, "closing")));
        Assert.False(OutboxDispatcher.IsServerUnavailable(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxBusy, mailbox, "busy")));
        Assert.False(OutboxDispatcher.IsServerUnavailable(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, mailbox, "No such user")));
        Assert.False(OutboxDispatcher.IsServerUnavailable(new ParseException("not an address", 0, 3)));
        Assert.False(OutboxDispatcher.IsServerUnavailable(new ArgumentException("a header the sender writes")));
    }

    [Fact]
    public void AMessageBuiltFromTheSharedSenderAddressIsNotKeptAliveByIt()
    {
        var from = new MailboxAddress("Ceremonies", "no-reply@ceremonies.local");

        var built = BuildAndForget(from);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(built.IsAlive, "the sender's address still holds the message it was added to");
        Assert.Equal("no-reply@ceremonies.local", from.Address);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference BuildAndForget(MailboxAddress from) =>
        new(SmtpEmailSender.Build(new EmailMessage("reader@example.test", "Subject", "Text", null, "<id@ceremonies.local>"), from));

    [Theory]
    [InlineData("not an address")]
    [InlineData("no-domain")]
    [InlineData("two@example.test, addresses@example.test")]
    public void AnAddressMimeKitCannotTakeIsAFormatError(string to)
    {
        var message = new EmailMessage(to, "Subject", "Text", null, "<id@ceremonies.local>");

        Assert.ThrowsAny<FormatException>(() => SmtpEmailSender.Build(message, new MailboxAddress("Ceremonies", "no-reply@ceremonies.local")));
    }

    [Theory]
    [InlineData("Subject", "again")]
    [InlineData("message-id", "<other@example.test>")]
    [InlineData("Content-Type", "text/html")]
    [InlineData("X-Bad Name", "value")]
    [InlineData("X-Injected", "value\r\nBcc: someone@example.test")]
    public void AHeaderTheSenderWritesOrThatIsMalformedIsRefusedWhenTheMessageIsWritten(string name, string value)
    {
        Assert.Throws<ArgumentException>(() => OutboxMessage.Email(
            "headers:test", "a@example.test", "s", "t", null, DateTimeOffset.UtcNow, headers: new Dictionary<string, string> { [name] = value }));
    }

    [Fact]
    public void AnEmptyOrOverlongKeyIsRejected()
    {
        var now = DateTimeOffset.UtcNow;

        Assert.Throws<ArgumentException>(() => OutboxMessage.Email(" ", "a@example.test", "s", "t", null, now));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            OutboxMessage.Email(new string('k', OutboxMessage.MaxKeyLength + 1), "a@example.test", "s", "t", null, now));
    }
}
