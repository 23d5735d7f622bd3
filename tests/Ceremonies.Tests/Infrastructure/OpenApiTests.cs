using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ceremonies.Features.Bookings;
using Ceremonies.Infrastructure.Http;

using Ceremonies.Features.Events;

namespace Ceremonies.Tests.Infrastructure;

// Clients are generated from /openapi/v1.json, so it must say what the endpoints accept: a body
// built from the description alone gets past the checks for missing fields everywhere.
[Collection(AppTests.Name)]
public sealed class OpenApiTests(AppFixture fixture)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private readonly string _tag = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task ABodyOfOnlyTheRequiredPropertiesIsNeverRefusedForAMissingField()
    {
        var world = await World.CreateAsync(fixture);
        using var admin = await world.ClientAsync(Who.Admin);
        var document = await DocumentAsync(admin);
        var answers = new Dictionary<string, HttpStatusCode>();
        var failures = new List<string>();

        foreach (var (path, method, schema) in RequestBodies(document))
        {
            var body = Sample(document, schema)?.ToJsonString() ?? "null";
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(await ConcreteAsync(world, path), UriKind.Relative))
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            using var response = await admin.SendAsync(request);
            var answer = await response.Content.ReadAsStringAsync();
            answers[$"{method} {path}"] = response.StatusCode;
            if ((int)response.StatusCode >= 500 || (response.StatusCode == HttpStatusCode.BadRequest && ComplainsOfAMissingField(answer)))
            {
                failures.Add($"{method} {path} with {body}: {(int)response.StatusCode} {answer}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.Contains("POST /api/halls/{hallId}/bookings", answers.Keys);
        // The examples of a country code and a time zone are values the validators accept.
        Assert.Equal(HttpStatusCode.Created, answers["POST /api/venues"]);
    }

    // The endpoints cannot tell a missing property from a null one, so a property that must be
    // sent but may be null is a property the description wrongly demands (or wrongly lets be null).
    [Fact]
    public async Task NoPropertyOfARequestBodyIsBothRequiredAndNullable()
    {
        using var client = fixture.App.CreateClient();
        var document = await DocumentAsync(client);
        var wrong = new SortedSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (_, _, schema) in RequestBodies(document))
        {
            CollectRequiredAndNullable(document, schema, "body", wrong, seen);
        }

        Assert.True(wrong.Count == 0, string.Join(", ", wrong));
    }

    [Fact]
    public async Task TheBookingRequestIsDescribedAsTheEndpointReadsIt()
    {
        using var client = fixture.App.CreateClient();
        var document = await DocumentAsync(client);
        var booking = document["components"]!["schemas"]!["BookingRequest"]!;
        var required = booking["required"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var properties = booking["properties"]!;

        Assert.DoesNotContain("notes", required);
        Assert.Contains("contact", required);
        Assert.Equal("email", properties["contact"]?["format"]?.GetValue<string>());
        Assert.NotEqual(0, properties["contact"]?["minLength"]?.GetValue<int>());
        Assert.Contains("kind", required);
        var kind = Resolve(document, properties["kind"]!);
        Assert.Equal(
            Enum.GetNames<BookingKind>().Select(JsonNamingPolicy.CamelCase.ConvertName),
            kind["enum"]!.AsArray().Select(n => n?.GetValue<string>()));
    }

    // Operators script against these during an outage: every field of the answers says what it means.
    [Fact]
    public async Task TheOperatorsAnswersAreDescribedFieldByField()
    {
        using var client = fixture.App.CreateClient();
        var document = await DocumentAsync(client);
        var paths = document["paths"]!;

        Assert.Equal("#/components/schemas/OutboxReport",
            paths["/api/admin/outbox"]?["get"]?["responses"]?["200"]?["content"]?["application/json"]?["schema"]?["$ref"]?.GetValue<string>());
        var retry = paths["/api/admin/outbox/{id}/retry"]?["post"]?["responses"]?.AsObject();
        Assert.Equal(["202", "404", "409"], retry?.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.Equal("#/components/schemas/JobsReport",
            paths["/api/admin/jobs"]?["get"]?["responses"]?["200"]?["content"]?["application/json"]?["schema"]?["$ref"]?.GetValue<string>());
        var schemas = document["components"]!["schemas"]!;
        foreach (var (name, fields) in new[] { ("OutboxReport", new[] { "waitingForRetry", "leased", "dead", "oldestPendingDueAt", "recentFailures" }), ("OutboxMessageView", ["attempts", "lastError", "dueAt"]) })
        {
            Assert.False(string.IsNullOrEmpty(schemas[name]?["description"]?.GetValue<string>()), name);
            foreach (var field in fields)
            {
                Assert.False(string.IsNullOrEmpty(schemas[name]?["properties"]?[field]?["description"]?.GetValue<string>()), $"{name}.{field}");
            }
        }
    }

    private static async Task<JsonObject> DocumentAsync(HttpClient client) =>
        JsonNode.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!.AsObject();

    private static IEnumerable<(string Path, string Method, JsonNode Schema)> RequestBodies(JsonObject document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject().Where(o => Methods.Contains(o.Key)))
            {
                if (operation?["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema)
                {
                    yield return (path, method.ToUpperInvariant(), schema);
                }
            }
        }
    }

    // Real rows of the test's own world, so each endpoint gets as far as validating the body.
    private static async Task<string> ConcreteAsync(World world, string path)
    {
        var segments = path.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            if (!segments[i].StartsWith('{'))
            {
                continue;
            }
            if (segments[i].StartsWith("{year", StringComparison.Ordinal))
            {
                segments[i] = DateTimeOffset.UtcNow.AddDays(30).Year.ToString(CultureInfo.InvariantCulture);
                continue;
            }
            segments[i] = segments[i - 1] switch
            {
                "observances" => (await world.NewObservanceAsync()).Id.ToString(),
                "occurrences" => (await world.NewOccurrenceAsync()).Id.ToString(),
                "venues" => world.Memorial.Id.ToString(),
                "halls" => world.AssemblyHall.Id.ToString(),
                "bookings" => (await world.NewRequestAsync()).Id.ToString(),
                "blackouts" => (await world.NewBlackoutAsync()).Id.ToString(),
                "calendar-feeds" => (await world.NewFeedAsync()).Id.ToString(),
                "events" => (await world.NewEventAsync(EventState.Approved, world.Person(Who.Organizer))).Id.ToString(),
                _ => throw new InvalidOperationException($"No row for {segments[i]} in {path}: say here which row of the world it names."),
            };
        }
        return string.Join('/', segments);
    }

    // A value the description asks for: its example, else one made from its type, format, enum,
    // minimum and length; an object gets its required properties only.
    private JsonNode? Sample(JsonObject document, JsonNode schema)
    {
        if (schema["$ref"] is not null)
        {
            return Sample(document, Resolve(document, schema));
        }
        if ((schema["example"] ?? (schema["examples"] as JsonArray)?.FirstOrDefault()) is { } example)
        {
            return example.DeepClone();
        }
        if ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray choices)
        {
            return Sample(document, choices.First(c => !Types(c!).SequenceEqual(["null"]))!);
        }
        if (schema["enum"] is JsonArray names)
        {
            return names.First(n => n is not null)!.DeepClone();
        }
        var types = Types(schema);
        if (types.Contains("object") || schema["properties"] is not null)
        {
            var sample = new JsonObject();
            foreach (var name in schema["required"]?.AsArray().Select(n => n!.GetValue<string>()) ?? [])
            {
                sample[name] = Sample(document, schema["properties"]![name]!);
            }
            return sample;
        }
        if (types.Contains("array"))
        {
            // One item, so that the items' own required properties are sent too.
            return schema["maxItems"]?.GetValue<int>() == 0 ? new JsonArray() : new JsonArray(Sample(document, schema["items"]!));
        }
        if (types.Contains("integer") || types.Contains("number"))
        {
            var least = schema["minimum"]?.GetValue<decimal>() ?? (schema["exclusiveMinimum"]?.GetValue<decimal>() + 1) ?? 1;
            return JsonValue.Create(types.Contains("integer") ? (long)least : least);
        }
        if (types.Contains("boolean"))
        {
            return JsonValue.Create(false);
        }
        if (types.Contains("string"))
        {
            return JsonValue.Create(Text(schema));
        }
        return null;
    }

    // Formats as JSON Schema defines them (RFC 3339): a date-time and a time carry an offset.
    private string Text(JsonNode schema)
    {
        var soon = DateTimeOffset.UtcNow.AddDays(30);
        switch (schema["format"]?.GetValue<string>())
        {
            case "email":
                return $"someone-{_tag}@example.test";
            case "uri":
                return $"https://example.test/{_tag}";
            case "uuid":
                return Guid.NewGuid().ToString();
            case "date-time":
                return soon.ToString("O", CultureInfo.InvariantCulture);
            case "date":
                return soon.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            case "time":
                return "09:00:00Z";
        }
        var text = $"openapi-{_tag}";
        var least = schema["minLength"]?.GetValue<int>() ?? 0;
        var most = schema["maxLength"]?.GetValue<int>() ?? int.MaxValue;
        text = text.PadRight(least, 'x');
        return text[..Math.Min(text.Length, most)];
    }

    private static void CollectRequiredAndNullable(JsonObject document, JsonNode schema, string where, ISet<string> wrong, ISet<string> seen)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            if (seen.Add(reference))
            {
                CollectRequiredAndNullable(document, Resolve(document, schema), reference.Split('/')[^1], wrong, seen);
            }
            return;
        }
        foreach (var part in new[] { schema["oneOf"], schema["anyOf"] }.OfType<JsonArray>().SelectMany(a => a))
        {
            CollectRequiredAndNullable(document, part!, where, wrong, seen);
        }
        if (schema["items"] is { } items)
        {
            CollectRequiredAndNullable(document, items, where, wrong, seen);
        }
        var required = schema["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToHashSet() ?? [];
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            if (required.Contains(name) && IsNullable(property!))
            {
                wrong.Add($"{where}.{name}");
            }
            CollectRequiredAndNullable(document, property!, where, wrong, seen);
        }
    }

    private static bool IsNullable(JsonNode schema) =>
        Types(schema).Contains("null")
        || (schema["enum"] as JsonArray)?.Any(n => n is null) == true
        || new[] { schema["oneOf"], schema["anyOf"] }.OfType<JsonArray>().SelectMany(a => a).Any(s => IsNullable(s!));

    private static List<string> Types(JsonNode schema) => schema["type"] switch
    {
        JsonArray many => [.. many.Select(t => t!.GetValue<string>())],
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    private static JsonNode Resolve(JsonObject document, JsonNode schema)
    {
        while (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            schema = reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate((JsonNode)document, (node, key) => node[key]!);
        }
        return (schema["oneOf"] ?? schema["anyOf"]) is JsonArray choices && choices.Count == 2 && choices.Any(c => Types(c!).SequenceEqual(["null"]))
            ? Resolve(document, choices.First(c => !Types(c!).SequenceEqual(["null"]))!)
            : schema;
    }

    // A 400 for another reason (a time already past, a hall closed) is an answer about the values;
    // one that says a field is missing, or that the body cannot be read, is about the description.
    private static bool ComplainsOfAMissingField(string answer)
    {
        using var problem = JsonDocument.Parse(answer);
        var root = problem.RootElement;
        if (root.TryGetProperty("type", out var type) && type.GetString() == ProblemTypes.MalformedJson)
        {
            return true;
        }
        var messages = new List<string?>();
        if (root.TryGetProperty("detail", out var detail))
        {
            messages.Add(detail.GetString());
        }
        if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            messages.AddRange(errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(m => m.GetString())));
        }
        return messages.Any(m => m is not null && Regex.IsMatch(m, @"\b(required|missing)\b", RegexOptions.IgnoreCase));
    }
}
