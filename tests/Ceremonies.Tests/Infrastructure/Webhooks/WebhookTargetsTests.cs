using System.Net;
using Ceremonies.Infrastructure.Webhooks;

namespace Ceremonies.Tests.Infrastructure.Webhooks;

public sealed class WebhookTargetsTests
{
    private static readonly WebhookOptions Strict = new();

    [Theory]
    [InlineData("203.0.113.10", TargetRefusal.None)]
    [InlineData("2001:db8::10", TargetRefusal.None)]
    [InlineData("169.254.169.254", TargetRefusal.LinkLocal)]
    [InlineData("169.254.0.1", TargetRefusal.LinkLocal)]
    [InlineData("fe80::1", TargetRefusal.LinkLocal)]
    [InlineData("fd00:ec2::254", TargetRefusal.LinkLocal)]
    [InlineData("::ffff:169.254.169.254", TargetRefusal.LinkLocal)]
    [InlineData("127.0.0.1", TargetRefusal.Loopback)]
    [InlineData("127.8.9.10", TargetRefusal.Loopback)]
    [InlineData("::1", TargetRefusal.Loopback)]
    [InlineData("10.0.0.5", TargetRefusal.Private)]
    [InlineData("172.16.0.1", TargetRefusal.Private)]
    [InlineData("172.31.255.254", TargetRefusal.Private)]
    [InlineData("192.168.1.1", TargetRefusal.Private)]
    [InlineData("100.64.0.1", TargetRefusal.Private)]
    [InlineData("fc00::1", TargetRefusal.Private)]
    [InlineData("0.0.0.0", TargetRefusal.Unroutable)]
    [InlineData("224.0.0.1", TargetRefusal.Unroutable)]
    [InlineData("255.255.255.255", TargetRefusal.Unroutable)]
    [InlineData("::", TargetRefusal.Unroutable)]
    [InlineData("ff02::1", TargetRefusal.Unroutable)]
    public void AnAddressIsRefusedByWhatItReaches(string address, TargetRefusal expected) =>
        Assert.Equal(expected, WebhookTargets.CheckAddress(IPAddress.Parse(address), Strict));

    [Fact]
    public void SettingsOpenLoopbackAndPrivateNetworksButNeverLinkLocalOrMetadata()
    {
        var open = new WebhookOptions { AllowLoopback = true, AllowPrivate = true };

        Assert.Equal(TargetRefusal.None, WebhookTargets.CheckAddress(IPAddress.Loopback, open));
        Assert.Equal(TargetRefusal.None, WebhookTargets.CheckAddress(IPAddress.Parse("10.0.0.5"), open));
        Assert.Equal(TargetRefusal.None, WebhookTargets.CheckAddress(IPAddress.Parse("fd12:3456::1"), open));
        Assert.Equal(TargetRefusal.LinkLocal, WebhookTargets.CheckAddress(IPAddress.Parse("169.254.169.254"), open));
        Assert.Equal(TargetRefusal.LinkLocal, WebhookTargets.CheckAddress(IPAddress.Parse("fd00:ec2::254"), open));
        Assert.Equal(TargetRefusal.Private, WebhookTargets.CheckAddress(IPAddress.Parse("10.0.0.5"), new WebhookOptions { AllowLoopback = true }));
    }

    [Theory]
    [InlineData("https://pa.example.test/hook", TargetRefusal.None)]
    [InlineData("http://203.0.113.10:8080/hook", TargetRefusal.None)]
    [InlineData("ftp://203.0.113.10/hook", TargetRefusal.NotHttp)]
    [InlineData("file:///etc/passwd", TargetRefusal.NotHttp)]
    [InlineData("https://user:secret@203.0.113.10/hook", TargetRefusal.Credentials)]
    public void AnAddressMustBePlainHttpOrHttps(string url, TargetRefusal expected) =>
        Assert.Equal(expected, WebhookTargets.CheckUrl(new Uri(url)));

    [Fact]
    public async Task AnIpLiteralIsCheckedWithoutALookup()
    {
        Assert.Equal(TargetRefusal.LinkLocal, await WebhookTargets.CheckAsync(new Uri("http://169.254.169.254/"), Strict, CancellationToken.None));
        Assert.Equal(TargetRefusal.None, await WebhookTargets.CheckAsync(new Uri("http://203.0.113.10/"), Strict, CancellationToken.None));
        Assert.Equal(TargetRefusal.Loopback, await WebhookTargets.CheckAsync(new Uri("http://[::1]:9/"), Strict, CancellationToken.None));
    }

    [Fact]
    public void TheSignatureIsHmacSha256OfTheTimestampAndTheBody()
    {
        // Computed independently: printf '1700000000.{"signal":"begin"}' | openssl dgst -sha256 -hmac 'a-secret-of-sixteen'
        Assert.Equal("sha256=00349f19ae918fca63fda288ccaff613d994782e2b0e48cff9c932eccade666f",
            WebhookSender.Sign("a-secret-of-sixteen", "1700000000", """{"signal":"begin"}"""));
    }
}
