namespace Ceremonies.Infrastructure;

// Names this process in leases and job records, so an operator can tell which node did what.
public sealed record NodeIdentity(string Name)
{
    public static NodeIdentity ForThisProcess() => new($"{Environment.MachineName}/{Environment.ProcessId}");
}
