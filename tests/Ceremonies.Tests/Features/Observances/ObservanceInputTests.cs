using System.Text;
using Ceremonies.Data;
using Ceremonies.Features.Observances;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Tests.Features.Observances;

// Bad input is a 400 that names every bad field, and writes nothing.
[Collection(AppTests.Name)]
public sealed class ObservanceInputTests(AppFixture fixture)
{
    public static TheoryData<string, string, string[]> BadObservances => new()
    {
        { "unknown zone", Observance(zone: "Mars/Olympus"), ["referenceZone"] },
        { "month 13", Observance(month: "13"), ["month"] },
        { "30 February", Observance(month: "2", day: "30"), ["day"] },
        { "not a time", Observance(time: "\"25:61\""), ["silenceLocalTime"] },
        { "prepare before the notice", """{"name":"O","month":2,"day":26,"silenceLocalTime":"17:00:00","referenceZone":"Asia/Baku","noticeMinutesBefore":5,"prepareMinutesBefore":10}""", ["noticeMinutesBefore"] },
        { "a minute of a second", """{"name":"O","month":2,"day":26,"silenceLocalTime":"17:00:00","referenceZone":"Asia/Baku","silenceSeconds":1}""", ["silenceSeconds"] },
        { "unknown mode", """{"name":"O","month":2,"day":26,"silenceLocalTime":"17:00:00","referenceZone":"Asia/Baku","mode":"sometimes"}""", ["mode"] },
        { "oversized name", Observance(name: $"\"{new string('n', 201)}\""), ["name"] },
        { "NUL in the name", Observance(name: "\"Khojaly\\u0000\""), ["name"] },
        { "month as text", Observance(month: "\"February\""), ["month"] },
        { "missing fields", "{}", ["name", "silenceLocalTime", "referenceZone"] },
    };

    [Theory]
    [MemberData(nameof(BadObservances))]
    public async Task ABadObservanceIsRefusedNamingEachFieldAndNothingIsWritten(string why, string json, string[] fields)
    {
        var world = await World.CreateAsync(fixture);
        using var admin = await world.ClientAsync(Who.Admin);
        var before = await CountAsync();

        using var response = await admin.PostAsync(new Uri("/api/observances", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

        await ProblemAssert.NamesAsync(response, fields, why);
        Assert.Equal(before, await CountAsync());
    }

    [Theory]
    [MemberData(nameof(BadObservances))]
    public async Task ABadEditIsRefusedNamingEachFieldAndTheObservanceStaysAsItWas(string why, string json, string[] fields)
    {
        var world = await World.CreateAsync(fixture);
        var observance = await world.NewObservanceAsync();
        using var admin = await world.ClientAsync(Who.Admin);

        using var response = await admin.PutAsync(new Uri($"/api/observances/{observance.Id}", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

        await ProblemAssert.NamesAsync(response, fields, why);
        var after = await fixture.App.InScopeAsync<CeremoniesDb, Observance>(db => db.Observances.AsNoTracking().SingleAsync(o => o.Id == observance.Id));
        Assert.Equal((observance.Name, observance.SilenceLocalTime, observance.Version), (after.Name, after.SilenceLocalTime, after.Version));
    }

    private Task<int> CountAsync() => fixture.App.InScopeAsync<CeremoniesDb, int>(db => db.Observances.CountAsync());

    private static string Observance(string name = "\"Remembrance\"", string month = "2", string day = "26", string time = "\"17:00:00\"", string zone = "Asia/Baku") =>
        $$"""{"name":{{name}},"month":{{month}},"day":{{day}},"silenceLocalTime":{{time}},"referenceZone":"{{zone}}"}""";
}
