using System.Text.Json.Nodes;

namespace Ceremonies.Tests;

public static class JsonBodies
{
    // The valid body with the given fields replaced (a JSON object of the fields to change).
    public static string Merge(string valid, string change)
    {
        var body = JsonNode.Parse(valid)!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(change)!.AsObject())
        {
            body[name] = value?.DeepClone();
        }
        return body.ToJsonString();
    }
}
