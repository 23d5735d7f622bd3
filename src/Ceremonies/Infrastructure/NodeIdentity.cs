namespace Ceremonies.Infrastructure;

// Names this process in leases and job servers, so an operator can tell which node did what. The
// random tail tells apart two app instances in one process (the test suite starts several).
public sealed record NodeIdentity(string Name)
{
    public static NodeIdentity ForThisProcess() =>
        new($"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2))}");
}
