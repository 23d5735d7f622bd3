using Ceremonies.Infrastructure.Validation;

namespace Ceremonies.Tests.Infrastructure.Validation;

// What the actions keep is the address trimmed: that is what must be sendable.
public sealed class MailboxTests
{
    [Theory]
    [InlineData("aysel@example.org")]
    [InlineData("  aysel@example.org ")]
    [InlineData("first.last+ceremonies@sub.example.org")]
    [InlineData("a@b")]
    public void AnAddressMailCanBeSentToIsAccepted(string address) => Assert.True(MailboxAttribute.IsValid(address));

    [Theory]
    [InlineData(" @b")]
    [InlineData("@example.org")]
    [InlineData("aysel@")]
    [InlineData("aysel")]
    [InlineData("a b@example.org")]
    [InlineData("Aysel <aysel@example.org>")]
    [InlineData("aysel@example.org, other@example.org")]
    [InlineData("")]
    public void AnythingElseIsRefused(string address) => Assert.False(MailboxAttribute.IsValid(address));
}
