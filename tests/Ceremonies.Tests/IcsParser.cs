using System.Diagnostics;

namespace Ceremonies.Tests;

// ical.js, an independent parser, reads an iCalendar text the service wrote and answers its events
// as JSON (ops/testtools/parse-ics.mjs).
internal static class IcsParser
{
    public static async Task<string> ParseAsync(string ics)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(TestEnvironment.IcsParser);
        using var node = Process.Start(info)!; // node is installed by ops/test
        await node.StandardInput.WriteAsync(ics);
        node.StandardInput.Close();
        var output = await node.StandardOutput.ReadToEndAsync();
        var errors = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, errors);
        return output;
    }
}
