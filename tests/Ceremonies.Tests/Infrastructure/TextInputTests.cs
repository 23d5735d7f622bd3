using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ceremonies.Data;
using Ceremonies.Data.Audit;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Bookings;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Infrastructure;

// Text that PostgreSQL cannot store (U+0000) and nulls where text is needed: a 400 that names the
// field, whichever endpoint or form receives them, and nothing is written.
[Collection(AppTests.Name)]
public sealed partial class TextInputTests(AppFixture fixture)
{
    private const string Nul = "\\u0000";

    [Fact]
    public async Task ANulCharacterInAnyJsonStringIsA400NamingTheFieldAndChangesNothing()
    {
        var world = await World.CreateAsync(fixture);
        using var staff = await world.ClientAsync(Who.Staff);
        using var manager = await world.ClientAsync(Who.Manager);
        using var admin = await world.ClientAsync(Who.Admin);
        using var anonymous = await world.ClientAsync(Who.Anonymous);
        var day = world.FreeDay().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var hall = world.AssemblyHall.Id;
        var stranger = $"stranger-{Guid.NewGuid():N}";
        var cases = new (HttpClient Client, string Method, string Path, string Json, string Field)[]
        {
            (staff, "POST", $"/api/halls/{hall}/bookings",
                $$"""{"title":"Evening{{Nul}}","kind":"commemorationCeremony","attendees":40,"contact":"c@example.test","start":"{{day}}T10:00:00","end":"{{day}}T11:00:00"}""", "title"),
            (staff, "POST", $"/api/halls/{hall}/bookings",
                $$"""{"title":"Evening","kind":"commemorationCeremony","attendees":40,"contact":"c@example.test","notes":"{{Nul}}","start":"{{day}}T10:00:00","end":"{{day}}T11:00:00"}""", "notes"),
            (admin, "POST", "/api/venues",
                $$"""{"name":"{{stranger}}{{Nul}}","city":"Baku","country":"AZ","timeZone":"Asia/Baku"}""", "name"),
            (staff, "POST", $"/api/halls/{hall}/blackouts",
                $$"""{"start":"{{day}}T00:00:00","end":"{{day}}T23:00:00","reason":"Maintenance{{Nul}}"}""", "reason"),
            (manager, "POST", $"/api/venues/{world.Memorial.Id}/staff", $$"""{"email":"{{stranger}}{{Nul}}@example.test","role":"staff"}""", "email"),
            (anonymous, "POST", "/api/account/register", $$"""{"email":"{{stranger}}{{Nul}}@example.test","password":"Remember-2026"}""", "email"),
            (anonymous, "POST", "/api/account/login", $$"""{"email":"{{stranger}}{{Nul}}@example.test","password":"Remember-2026"}""", "email"),
            (anonymous, "POST", "/api/account/forgotPassword", $$"""{"email":"{{stranger}}{{Nul}}@example.test"}""", "email"),
            (anonymous, "POST", "/api/account/resendConfirmationEmail", $$"""{"email":"{{stranger}}{{Nul}}@example.test"}""", "email"),
            (anonymous, "POST", "/api/account/resetPassword",
                $$"""{"email":"{{stranger}}{{Nul}}@example.test","resetCode":"abc","newPassword":"Remember-2027"}""", "email"),
        };
        var failures = new List<string>();

        foreach (var (client, method, path, json, field) in cases)
        {
            var before = await FingerprintAsync(hall);
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative))
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
            using var response = await client.SendAsync(request);
            var problem = await FieldProblemAsync(response, field);
            if (problem is not null)
            {
                failures.Add($"{method} {path} ({field}): {problem}");
            }
            if (await FingerprintAsync(hall) != before)
            {
                failures.Add($"{method} {path} ({field}) changed data");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task ANulCharacterInAQueryStringIsA400NamingTheParameter()
    {
        using var client = fixture.App.CreateClient();
        // A page cursor made by hand whose name part carries a NUL: it reached PostgreSQL as text.
        var cursor = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Guid.NewGuid():N}|Memorial\0")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        using var encoded = await client.GetAsync(new Uri($"/api/venues?cursor={cursor}", UriKind.Relative));
        using var raw = await client.GetAsync(new Uri("/api/venues?cursor=abc%00def&limit=5", UriKind.Relative));

        await AssertRefusedNamingAsync(encoded, "cursor");
        await AssertRefusedNamingAsync(raw, "cursor");
    }

    [Fact]
    public async Task ANulCharacterInAFormIsRefusedBeforeAnythingReadsIt()
    {
        using var client = fixture.App.CreateClient();
        var page = await client.GetStringAsync(new Uri("/account/register", UriKind.Relative));
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        var email = $"form-{Guid.NewGuid():N}@example.test";

        using var response = await client.PostAsync(new Uri("/account/register", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email + "\0",
            ["Input.Password"] = World.Password,
            ["Input.ConfirmPassword"] = World.Password,
        }));

        await AssertRefusedNamingAsync(response, "input.email");
        Assert.False(await fixture.App.InScopeAsync<CeremoniesDb, bool>(db => db.Users.AnyAsync(u => u.Email!.StartsWith(email))));
    }

    [Theory]
    [InlineData("/api/account/login", """{"email":null,"password":"Remember-2026"}""")]
    [InlineData("/api/account/resetPassword", """{"email":null,"resetCode":"abc","newPassword":"Remember-2027"}""")]
    [InlineData("/api/account/forgotPassword", """{"email":null}""")]
    [InlineData("/api/account/register", """{"email":null,"password":"Remember-2026"}""")]
    public async Task ANullEmailIsA400NamingTheField(string path, string json)
    {
        using var client = fixture.App.CreateClient();

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

        await AssertRefusedNamingAsync(response, "email");
    }

    private static async Task AssertRefusedNamingAsync(HttpResponseMessage response, string field)
    {
        var problem = await FieldProblemAsync(response, field);
        Assert.True(problem is null, problem);
    }

    // Null when the answer is a 400 problem naming the field; otherwise what is wrong with it.
    private static async Task<string?> FieldProblemAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"{(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}: {body}";
        }
        using var problem = JsonDocument.Parse(body);
        return problem.RootElement.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _)
            ? null
            : $"400 without '{field}' among its errors: {body}";
    }

    private Task<string> FingerprintAsync(Guid hallId) => fixture.App.InScopeAsync<CeremoniesDb, string>(async db =>
        $"{await db.Bookings.CountAsync(b => b.HallId == hallId)}|{await db.Blackouts.CountAsync(b => b.HallId == hallId)}"
        + $"|{await db.Venues.CountAsync()}|{await db.Users.CountAsync()}|{await db.VenueMemberships.CountAsync()}|{await db.Outbox.CountAsync()}|{await db.AuditLog.CountAsync()}");

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
