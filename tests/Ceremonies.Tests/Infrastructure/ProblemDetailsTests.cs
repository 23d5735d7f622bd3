using System.Net;
using System.Text;
using System.Text.Json;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Ceremonies.Tests.Infrastructure;

[Collection(AppTests.Name)]
public sealed class ProblemDetailsTests(AppFixture fixture)
{
    [Fact]
    public async Task AnUnknownPathAnswersAProblem404()
    {
        using var client = fixture.App.CreateClient();

        var response = await client.GetAsync(new Uri("/api/no-such-thing", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, body.RootElement.GetProperty("status").GetInt32());
    }

    // A browser's PUT or DELETE that ends in an error sees the error page of that status, and a
    // page no handler of which takes the method says so (405), as the API does.
    [Theory]
    [InlineData("PUT", "/no-such-page", 404, "Not found")]
    [InlineData("DELETE", "/no-such-page", 404, "Not found")]
    [InlineData("PUT", "/subscriptions/unsubscribe", 405, "Not allowed")]
    [InlineData("GET", "/error/403", 200, "You may not do this")]
    public async Task ABrowserSeesTheErrorPageOfTheStatusWhateverTheMethod(string method, string path, int status, string title)
    {
        using var client = fixture.App.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(title, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongMethodAnswersAProblem405()
    {
        using var client = fixture.App.CreateClient();

        var response = await client.DeleteAsync(new Uri("/api/time", UriKind.Relative));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    // Every endpoint the app maps, now and as features are added, gets the same abuse.
    [Fact]
    public async Task EveryEndpointAnswersMalformedRequestsWithAProblemNeverA500()
    {
        var endpoints = fixture.App.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);
        // With Expect: 100-continue the client sends a body only once the server asks for it. By
        // default it stops waiting after a second and sends anyway; on a busy machine the server
        // then answered 413 and closed while the 2 MB were still being written (a broken pipe, the
        // answer lost). Waiting as long as it takes, the client reads the answer the server gave.
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler) { BaseAddress = fixture.App.Address };
        var failures = new List<string>();

        foreach (var endpoint in endpoints)
        {
            var path = Concrete(endpoint.RoutePattern.RawText ?? "/");
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"];
            foreach (var method in methods.Union(["POST", "PUT"]))
            {
                foreach (var (name, request) in MalformedRequests(method, path))
                {
                    using var response = await SendAsync(client, request, $"{method} {path} ({name})");
                    var status = (int)response.StatusCode;
                    var type = response.Content.Headers.ContentType?.MediaType;
                    if (status >= 500 || (status >= 400 && type != "application/problem+json"))
                    {
                        failures.Add($"{method} {path} ({name}): {status} {type}");
                    }
                    request.Dispose();
                }
            }
        }

        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("{\"capacity\": \"many\"}", "capacity")]
    [InlineData("{\"hall\": {\"capacity\": true}}", "hall.capacity")]
    [InlineData("{\"capacity\": 12", "capacity")]
    [InlineData("not json", "body")]
    public async Task AnUnreadableJsonBodyIsA400NamingTheField(string json, string field)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var error = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Probe>(json, JsonSerializerOptions.Web));
        var handler = new BadRequestExceptionHandler(services.GetRequiredService<IProblemDetailsService>());

        var handled = await handler.TryHandleAsync(context, new BadHttpRequestException("bad body", 400, error), CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(400, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        using var body = JsonDocument.Parse(context.Response.Body);
        Assert.Equal(ProblemTypes.MalformedJson, body.RootElement.GetProperty("type").GetString());
        Assert.True(body.RootElement.GetProperty("errors").TryGetProperty(field, out _), body.RootElement.ToString());
    }

    public sealed record ProbeHall(int Capacity);

    public sealed record Probe(int Capacity, ProbeHall? Hall);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, string what)
    {
        try
        {
            return await client.SendAsync(request);
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"{what} was not answered", e);
        }
    }

    private static string Concrete(string pattern)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(pattern, "{[^}]*}", "not-an-id");
        return path.StartsWith('/') ? path : "/" + path;
    }

    private static IEnumerable<(string Name, HttpRequestMessage Request)> MalformedRequests(string method, string path)
    {
        var uri = new Uri(path, UriKind.Relative);
        var http = new HttpMethod(method);
        yield return ("broken JSON", new HttpRequestMessage(http, uri)
        {
            Content = new StringContent("{\"name\": \"x\", ", Encoding.UTF8, "application/json"),
        });
        yield return ("wrong JSON types", new HttpRequestMessage(http, uri)
        {
            Content = new StringContent("[1, true, {\"a\": []}]", Encoding.UTF8, "application/json"),
        });
        yield return ("not JSON at all", new HttpRequestMessage(http, uri)
        {
            Content = new StringContent("<xml/>", Encoding.UTF8, "text/xml"),
        });
        yield return ("junk query", new HttpRequestMessage(http, new Uri(path + "?limit=-1&cursor=%ZZ&from=yesterday", UriKind.Relative)));
        if (method is "GET" or "HEAD")
        {
            // A client sends its body anyway after a 2xx, even to a server that never reads it.
            yield break;
        }
        // Expect: 100-continue lets a server that refuses the request do so before the body is sent.
        var oversized = new HttpRequestMessage(http, uri)
        {
            Content = new StringContent("{\"notes\": \"" + new string('x', 2 * 1024 * 1024) + "\"}", Encoding.UTF8, "application/json"),
        };
        oversized.Headers.ExpectContinue = true;
        yield return ("2 MB body", oversized);
    }
}
