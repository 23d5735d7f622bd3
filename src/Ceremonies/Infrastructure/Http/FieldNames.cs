using System.Text.Json;

namespace Ceremonies.Infrastructure.Http;

// Validation names fields as C# does ("TimeZone", "OpeningHours[0].Day"); clients know them as
// the JSON names ("timeZone", "openingHours[0].day"), so problems use those.
public static class FieldNames
{
    public static void UseJsonNames(IDictionary<string, string[]> errors)
    {
        foreach (var key in errors.Keys.ToList())
        {
            var json = ToJson(key);
            if (json == key)
            {
                continue;
            }
            var messages = errors[key];
            errors.Remove(key);
            errors[json] = errors.TryGetValue(json, out var existing) ? [.. existing, .. messages] : messages;
        }
    }

    public static string ToJson(string field) =>
        string.Join('.', field.Split('.').Select(part => part.Length == 0 ? part : JsonNamingPolicy.CamelCase.ConvertName(part)));
}
