using System.Net;
using System.Text.Json;

namespace Ceremonies.Tests;

internal static class ProblemAssert
{
    // A 400 problem+json whose errors name every one of the fields.
    public static async Task NamesAsync(HttpResponseMessage response, string[] fields, string why)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(text);
        var errors = body.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        foreach (var field in fields)
        {
            Assert.True(errors.Contains(field, StringComparer.Ordinal), $"{why}: '{field}' not named in {text}");
        }
    }
}
