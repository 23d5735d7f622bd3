using System.Net.Mail;
using Ceremonies.Data.Outbox;
using Ceremonies.Infrastructure.Outbox;

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

    [Fact]
    public void ARefusedMailboxIsPermanentAndAConnectionFailureIsNot()
    {
        Assert.True(OutboxDispatcher.IsPermanent(new SmtpFailedRecipientException(SmtpStatusCode.MailboxUnavailable, "x@example.test")));
        Assert.True(OutboxDispatcher.IsPermanent(new FormatException("not an address")));
        Assert.False(OutboxDispatcher.IsPermanent(new SmtpException(SmtpStatusCode.ServiceNotAvailable, "busy")));
        Assert.False(OutboxDispatcher.IsPermanent(new IOException("connection reset")));
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
