using System.Text.RegularExpressions;
using Ceremonies.Data;
using Ceremonies.Features.Events;
using Ceremonies.Features.Subscriptions;
using Ceremonies.Infrastructure.Http;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ceremonies.Tests.Features.Subscriptions;

// The subscriber's pages in a real browser: asking from an event's page, the mailed confirmation
// link, stopping and changing the reminders from their links. Opening a link never changes anything.
[Collection(AppTests.Name)]
public sealed partial class SubscriptionPagesTests(AppFixture fixture, BrowserFixture browser)
{
    [Fact]
    public async Task AVisitorAsksFromAnEventPageConfirmsFromTheOneMailAndStopsTheRemindersWithAButton()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var address = $"subscriber-{Guid.NewGuid():N}@example.test";
        var page = await browser.NewPageAsync(fixture.App.Address, timeZone: "Asia/Baku");

        await page.GotoAsync($"/events/{e.Id}");
        var form = page.GetByTestId("remind-me-form");
        // The browser's zone, put in place of the event's by remind-me.js.
        await Expect(form.GetByLabel("Your time zone")).ToHaveValueAsync("Asia/Baku");
        await Expect(form.GetByLabel("1 day before")).ToBeCheckedAsync();
        await Expect(form.GetByLabel("1 hour before")).ToBeCheckedAsync();
        await Expect(form.GetByLabel("1 week before")).Not.ToBeCheckedAsync();
        await form.GetByLabel("Your email address").FillAsync(address);
        await form.GetByRole(AriaRole.Button, new() { Name = "Remind me" }).ClickAsync();
        await Expect(page.GetByTestId("subscribe-sent")).ToHaveTextAsync(
            "Check your inbox: a confirmation link is on its way. Nothing else is sent until you open it.");
        var subscription = await SubscriptionAsync(address);

        await fixture.DispatchOutboxAsync();
        var mail = Assert.Single(await fixture.MailDev.WaitForAsync(address));
        var link = new Uri(ConfirmLink().Match(mail.Text!).Value);
        await page.GotoAsync(link.PathAndQuery);
        await Expect(page.GetByTestId("subscription-following")).ToHaveTextAsync(e.Title);
        await Expect(page.GetByTestId("subscription-address")).ToHaveTextAsync(SubscriptionView.Masked(address));
        var afterOpening = (await SubscriptionAsync(address)).State;
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("confirm-message")).ToHaveTextAsync(
            $"Confirmed: you will get reminders of {e.Title}, 1 day and 1 hour before, at {SubscriptionView.Masked(address)}.");
        await Expect(page.GetByTestId("preferences-link")).ToBeVisibleAsync();
        var afterConfirming = (await SubscriptionAsync(address)).State;

        var manage = await fixture.App.InScopeAsync<SubscriptionLinks, string>(l => Task.FromResult(l.ManageToken(subscription.Id)));
        await page.GotoAsync($"/subscriptions/unsubscribe?token={Uri.EscapeDataString(manage)}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Stop reminders of {e.Title}?");
        var afterOpeningUnsubscribe = (await SubscriptionAsync(address)).State;
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop the reminders" }).ClickAsync();
        await Expect(page.GetByTestId("unsubscribe-message")).ToContainTextAsync($"Stopped: no more reminders of {e.Title}");

        Assert.Equal(SubscriptionState.Pending, subscription.State);
        Assert.Equal(("Asia/Baku", e.Id), (subscription.TimeZone, subscription.EventId));
        Assert.Equal([1440, 60], subscription.OffsetMinutes);
        Assert.StartsWith("Confirm your reminders", mail.Subject, StringComparison.Ordinal);
        Assert.Equal(SubscriptionState.Pending, afterOpening);
        Assert.Equal(SubscriptionState.Confirmed, afterConfirming);
        Assert.Equal(SubscriptionState.Confirmed, afterOpeningUnsubscribe);
        Assert.Equal(SubscriptionState.Unsubscribed, (await SubscriptionAsync(address)).State);
        Assert.Single(await fixture.MailDev.ToAsync(address));
    }

    [Fact]
    public async Task AStoppedSubscriberSavesNewTimesOnThePreferencesPageWhichStartsTheRemindersAgain()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var (subscription, token) = await world.NewSubscriptionAsync(e, SubscriptionState.Unsubscribed);
        var page = await browser.NewPageAsync(fixture.App.Address);

        await page.GotoAsync($"/subscriptions/preferences?token={Uri.EscapeDataString(token)}");
        await Expect(page.GetByTestId("preferences-resume")).ToHaveTextAsync("Saving this form starts your reminders again.");
        await Expect(Field(page, "Your time zone")).ToHaveValueAsync("Europe/Berlin");
        await Field(page, "1 day before").UncheckAsync();
        await Field(page, "1 hour before").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("[data-valmsg-for='Choices.OffsetMinutes']")).ToHaveTextAsync("Tick at least one: when to be reminded.");
        var refused = await SubscriptionAsync(subscription.Email);

        await Field(page, "1 week before").CheckAsync();
        await Field(page, "3 hours before").CheckAsync();
        await Field(page, "Your time zone").FillAsync("America/New_York");
        await Field(page, "Language of the emails").SelectOptionAsync("fr");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByTestId("preferences-message")).ToHaveTextAsync("Saved: your reminders start again.");
        await Expect(page.GetByTestId("preferences-state")).ToHaveTextAsync("1 week and 3 hours before, times in America/New_York");

        var saved = await SubscriptionAsync(subscription.Email);
        Assert.Equal(SubscriptionState.Unsubscribed, refused.State);
        Assert.Equal([1440, 60], refused.OffsetMinutes);
        Assert.Equal([10080, 180], saved.OffsetMinutes);
        Assert.Equal(("America/New_York", "fr", SubscriptionState.Confirmed), (saved.TimeZone, saved.Language, saved.State));
    }

    [Fact]
    public async Task ARefusedRemindMeFormKeepsWhatWasTypedAndSaysWhatToChangeNextToTheField()
    {
        var world = await World.CreateAsync(fixture);
        var address = $"subscriber-{Guid.NewGuid():N}@example.test";
        var page = await browser.NewPageAsync(fixture.App.Address);

        await page.GotoAsync($"/venues/{world.Memorial.Id}");
        var form = page.GetByTestId("remind-me-form");
        await form.GetByLabel("Your email address").FillAsync(address);
        await form.GetByLabel("Your time zone").FillAsync("Mars/Olympus");
        await form.GetByLabel("3 hours before").CheckAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "Remind me" }).ClickAsync();

        await Expect(page.Locator("[data-valmsg-for='RemindMe.Choices.TimeZone']")).ToContainTextAsync("Choose your time zone from the list");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(world.Memorial.Name);
        await Expect(page.GetByLabel("Your email address")).ToHaveValueAsync(address);
        await Expect(page.GetByLabel("Your time zone")).ToHaveValueAsync("Mars/Olympus");
        await Expect(page.GetByLabel("3 hours before")).ToBeCheckedAsync();
        Assert.False(await fixture.App.InScopeAsync<CeremoniesDb, bool>(db => db.Subscriptions.AnyAsync(s => s.Email == address)));
    }

    [Fact]
    public async Task AnExpiredConfirmationLinkLeadsBackToWhereToSubscribeAndAnUnknownOneIsNotFound()
    {
        var world = await World.CreateAsync(fixture);
        var e = await world.NewEventAsync(EventState.Approved);
        var (subscription, _) = await world.NewSubscriptionAsync(e, SubscriptionState.Pending);
        // A link mailed eight days ago: the app's keys, a clock of then.
        var then = new SubscriptionLinks(
            fixture.App.Service<IDataProtectionProvider>(), fixture.App.Service<IOptions<SiteOptions>>(), fixture.App.Service<IOptions<SubscriptionOptions>>(),
            new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-8)));
        var page = await browser.NewPageAsync(fixture.App.Address);

        await page.GotoAsync($"/subscriptions/confirm?token={Uri.EscapeDataString(then.ConfirmToken(subscription.Id))}");
        await Expect(page.GetByTestId("confirm-expired")).ToContainTextAsync("This confirmation link has expired.");
        await Expect(page.GetByTestId("subscribe-again")).ToHaveAttributeAsync("href", $"/events/{e.Id}");
        var unknown = await page.GotoAsync("/subscriptions/confirm?token=not-a-token");

        Assert.Equal(404, unknown?.Status);
        Assert.Equal(SubscriptionState.Pending, (await SubscriptionAsync(subscription.Email)).State);
    }

    // RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" to the link, with no form of ours
    // and so no antiforgery token; the token in the URL is enough.
    [Fact]
    public async Task AOneClickPostToTheUnsubscribePageWithoutAnAntiforgeryTokenStopsTheReminders()
    {
        var world = await World.CreateAsync(fixture);
        var (subscription, token) = await world.NewSubscriptionAsync(await world.NewEventAsync(EventState.Approved));
        using var client = fixture.App.CreateClient();

        using var response = await client.PostAsync(new Uri($"/subscriptions/unsubscribe?token={Uri.EscapeDataString(token)}", UriKind.Relative),
            new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));

        // Redirected to the page that says so.
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Stopped: no more reminders", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(SubscriptionState.Unsubscribed, (await SubscriptionAsync(subscription.Email)).State);
    }

    private static ILocator Field(IPage page, string label) => page.GetByLabel(label, new() { Exact = true });

    private Task<Subscription> SubscriptionAsync(string address) => fixture.App.InScopeAsync<CeremoniesDb, Subscription>(db =>
        db.Subscriptions.AsNoTracking().SingleAsync(s => s.Email == address));

    [GeneratedRegex(@"\S+/subscriptions/confirm\?token=\S+")]
    private static partial Regex ConfirmLink();
}
