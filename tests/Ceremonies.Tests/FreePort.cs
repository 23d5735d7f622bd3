using System.Net;
using System.Net.Sockets;

namespace Ceremonies.Tests;

internal static class FreePort
{
    // A loopback port nothing listens on right now.
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
