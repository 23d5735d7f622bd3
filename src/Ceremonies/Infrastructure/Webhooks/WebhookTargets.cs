using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;

namespace Ceremonies.Infrastructure.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    // Loopback targets (127.0.0.0/8, ::1): for tests and benchmarks whose receivers run on this machine.
    public bool AllowLoopback { get; set; }

    // Private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): for a PA system on the
    // venue's own network reached through a VPN. Link-local and cloud-metadata addresses are never allowed.
    public bool AllowPrivate { get; set; }

    [Range(1, 60)]
    public int TimeoutSeconds { get; set; } = 5;

    // Webhook requests in flight at once per process, across all venues.
    [Range(1, 10000)]
    public int Concurrency { get; set; } = 512;

    // Connections a worker opens before an instant for the plain-http calls due at it, one per
    // call, so that at the instant each call is one write (WebhookVolley); calls beyond it are
    // sent at the instant within Concurrency. 0 sends every call the usual way.
    [Range(0, 100000)]
    public int OpenAhead { get; set; } = 10000;
}

public enum TargetRefusal
{
    None,
    NotHttp,
    Credentials,
    LinkLocal,
    Loopback,
    Private,
    Unroutable,
    Unresolvable,
}

// Where a venue's webhook may point. Checked when the address is saved and again on every send,
// after DNS, on the address actually connected to (a name that resolved to a public address when
// saved may resolve to 169.254.169.254 later).
public static class WebhookTargets
{
    public static TargetRefusal CheckUrl(Uri url) =>
        url is not { IsAbsoluteUri: true } || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) ? TargetRefusal.NotHttp
        : url.UserInfo.Length > 0 ? TargetRefusal.Credentials
        : TargetRefusal.None;

    public static TargetRefusal CheckAddress(IPAddress address, WebhookOptions options)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address))
        {
            return options.AllowLoopback ? TargetRefusal.None : TargetRefusal.Loopback;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return (b[0], b[1]) switch
            {
                (169, 254) => TargetRefusal.LinkLocal, // link-local, and the cloud metadata service at 169.254.169.254
                (10, _) or (172, >= 16 and <= 31) or (192, 168) or (100, >= 64 and <= 127) =>
                    options.AllowPrivate ? TargetRefusal.None : TargetRefusal.Private,
                (0, _) or (>= 224, _) => TargetRefusal.Unroutable, // "this network", multicast, reserved, broadcast
                _ => TargetRefusal.None,
            };
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal)
            {
                return TargetRefusal.LinkLocal;
            }
            if (address.IsIPv6UniqueLocal)
            {
                // fd00:ec2::254 is a cloud metadata service; the rest of fc00::/7 is private.
                return address.Equals(IPAddress.Parse("fd00:ec2::254")) ? TargetRefusal.LinkLocal
                    : options.AllowPrivate ? TargetRefusal.None : TargetRefusal.Private;
            }
            if (address.IsIPv6Multicast || address.Equals(IPAddress.IPv6Any) || b[0] == 0)
            {
                return TargetRefusal.Unroutable;
            }
            return TargetRefusal.None;
        }
        return TargetRefusal.Unroutable;
    }

    public static string Describe(TargetRefusal refusal) => refusal switch
    {
        TargetRefusal.NotHttp => "must be an absolute http or https address",
        TargetRefusal.Credentials => "must not carry a user name or password",
        TargetRefusal.LinkLocal => "points at a link-local or cloud-metadata address, which is never allowed",
        TargetRefusal.Loopback => "points at this machine (loopback), which is not allowed here",
        TargetRefusal.Private => "points at a private network address, which is not allowed here",
        TargetRefusal.Unroutable => "points at an address that cannot be a web server",
        TargetRefusal.Unresolvable => "names a host that could not be resolved",
        _ => "is allowed",
    };

    // The address as saved: its form, and every address its host resolves to now.
    public static async Task<TargetRefusal> CheckAsync(Uri url, WebhookOptions options, CancellationToken cancellationToken)
    {
        if (CheckUrl(url) is var form and not TargetRefusal.None)
        {
            return form;
        }
        IPAddress[] addresses;
        if (IPAddress.TryParse(url.IdnHost, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(url.IdnHost, cancellationToken);
            }
            catch (SocketException)
            {
                return TargetRefusal.Unresolvable;
            }
        }
        if (addresses.Length == 0)
        {
            return TargetRefusal.Unresolvable;
        }
        return addresses.Select(a => CheckAddress(a, options)).FirstOrDefault(r => r != TargetRefusal.None);
    }
}
