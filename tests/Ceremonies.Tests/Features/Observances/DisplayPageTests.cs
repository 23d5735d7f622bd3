using System.Globalization;
using System.Net;
using Microsoft.Playwright;

namespace Ceremonies.Tests.Features.Observances;

// Two venues' displays in headless Chromium, each synchronising its clock with the server's and
// starting the minute of silence by itself at T.
[Collection(AppTests.Name)]
public sealed class DisplayPageTests(AppFixture fixture, BrowserFixture browser)
{
    [Fact]
    public async Task TwoVenuesDisplaysShowTheirLocalTimeAndStartTheSilenceTogetherAtT()
    {
        // The browser pages exist before T is chosen: on a busy machine opening them is the slow part.
        var pages = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => browser.NewPageAsync(fixture.App.Address)));
        var blocked = new List<string>();
        foreach (var page in pages)
        {
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                {
                    blocked.Add(message.Text);
                }
            };
        }
        // Kiritimati (+14:00) is on the next day from 10:00 UTC: the page then says its date is not the observance's.
        var minute = await MinuteAhead.CreateAsync(fixture, TimeSpan.FromSeconds(8), "Pacific/Kiritimati", "America/New_York");
        var t = minute.SilenceAt.ToUnixTimeMilliseconds();

        var responses = await Task.WhenAll(pages.Zip(minute.Venues, (page, venue) =>
            page.GotoAsync($"/occurrences/{minute.OccurrenceId}/display/{venue.Id}")));
        Assert.All(responses, r => Assert.Equal(200, r?.Status));
        Assert.True(DateTimeOffset.UtcNow < minute.SilenceAt, "the pages took until T to load: nothing left to test");

        foreach (var (page, venue) in pages.Zip(minute.Venues))
        {
            Assert.Equal(t.ToString(CultureInfo.InvariantCulture), await page.Locator("body").GetAttributeAsync("data-silence-at"));
            Assert.Equal(venue.Name, await page.GetByTestId("venue").InnerTextAsync());
            Assert.Equal(minute.ObservanceName, await page.GetByTestId("observance").InnerTextAsync());
            var when = await page.GetByTestId("when").InnerTextAsync();
            var local = minute.LocalTimeAt(venue);
            Assert.Contains($"{(local.EndsWith(":00", StringComparison.Ordinal) ? local[..^3] : local)} {venue.TimeZone}", when, StringComparison.Ordinal);
            var localDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(minute.SilenceAt, TimeZoneInfo.FindSystemTimeZoneById(venue.TimeZone)).DateTime);
            Assert.Contains(localDate.ToString("d MMMM yyyy", CultureInfo.InvariantCulture), when, StringComparison.Ordinal);
            Assert.Equal(localDate != DateOnly.FromDateTime(minute.SilenceAt.UtcDateTime) ? 1 : 0, await page.GetByTestId("different-day").CountAsync());
        }

        await Task.WhenAll(pages.Select(page => page.WaitForFunctionAsync("() => document.body.dataset.state === 'silence'")));

        var started = await Task.WhenAll(pages.Select(async page =>
            long.Parse((await page.Locator("body").GetAttributeAsync("data-silence-started-at"))!, CultureInfo.InvariantCulture))); // set with the state
        Assert.All(started, at => Assert.True(at >= t, $"a display started the silence at {at}, {t - at} ms before T"));
        Assert.True(Math.Abs(started[0] - started[1]) < 100, $"the displays started {Math.Abs(started[0] - started[1])} ms apart");
        foreach (var page in pages)
        {
            Assert.Matches("^synchronised with the server to ± [0-9]+ ms", await page.GetByTestId("sync").InnerTextAsync());
            // The push confirms; it may come a moment after the display switched by itself.
            await page.WaitForFunctionAsync("() => document.body.dataset.pushConfirmed !== undefined");
        }

        await Task.WhenAll(pages.Select(page => page.WaitForFunctionAsync("() => document.body.dataset.state === 'ended'")));
        Assert.True(blocked.Count == 0, string.Join(Environment.NewLine, blocked));
    }

    // The hall's network goes down after the display synchronised: it starts the silence at T anyway.
    [Fact]
    public async Task ADisplayThatLostTheNetworkStillStartsTheSilenceAtT()
    {
        var page = await browser.NewPageAsync(fixture.App.Address);
        var minute = await MinuteAhead.CreateAsync(fixture, TimeSpan.FromSeconds(8), "Europe/Paris");
        var t = minute.SilenceAt.ToUnixTimeMilliseconds();
        await page.GotoAsync($"/occurrences/{minute.OccurrenceId}/display/{minute.Venues[0].Id}");
        await page.WaitForFunctionAsync("() => document.body.dataset.syncPrecision !== undefined");

        await page.Context.SetOfflineAsync(true);

        Assert.True(await page.EvaluateAsync<bool>("() => fetch('/api/time', { cache: 'no-store' }).then(() => false, () => true)"), "the page still reached the server");
        await page.WaitForFunctionAsync("() => document.body.dataset.state === 'silence'");
        var started = long.Parse((await page.Locator("body").GetAttributeAsync("data-silence-started-at"))!, CultureInfo.InvariantCulture); // set with the state
        Assert.True(started >= t, $"the display started the silence {t - started} ms before T");
        Assert.True(DateTimeOffset.UtcNow < minute.SilenceAt.AddSeconds(minute.SilenceSeconds), "the silence started only after it was over");
    }

    [Fact]
    public async Task AVenueNotTakingPartOrAnUnknownOccurrenceHasNoDisplay()
    {
        var minute = await MinuteAhead.CreateAsync(fixture, TimeSpan.FromMinutes(30), "Asia/Baku");
        using var client = new HttpClient { BaseAddress = fixture.App.Address };
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        foreach (var path in new[] { $"/occurrences/{minute.OccurrenceId}/display/{Guid.NewGuid()}", $"/occurrences/{Guid.NewGuid()}/display/{minute.Venues[0].Id}" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("Not found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
