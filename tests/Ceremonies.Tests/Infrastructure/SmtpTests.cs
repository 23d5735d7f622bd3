using Ceremonies.Infrastructure.Email;

namespace Ceremonies.Tests.Infrastructure;

[Collection(AppTests.Name)]
public sealed class SmtpTests(AppFixture fixture)
{
    [Fact]
    public async Task AMessageSentThroughSmtpReadsBackFromTheInbox()
    {
        var to = $"smtp-{Guid.NewGuid():N}@example.test";
        var sender = fixture.App.Service<IEmailSender>();
        var messageId = $"<{Guid.NewGuid():N}@{sender.MessageIdDomain}>";

        await sender.SendAsync(new EmailMessage(
            to, "Minute of silence at 17:00 (Asia/Baku)", "The minute of silence begins at 17:00 Asia/Baku.",
            "<p>The minute of silence begins at <strong>17:00 Asia/Baku</strong>.</p>", messageId), CancellationToken.None);

        var mail = Assert.Single(await fixture.MailDev.WaitForAsync(to));
        Assert.Equal("Minute of silence at 17:00 (Asia/Baku)", mail.Subject);
        Assert.Contains("begins at 17:00 Asia/Baku", mail.Text, StringComparison.Ordinal);
        Assert.Contains("<strong>17:00 Asia/Baku</strong>", mail.Html, StringComparison.Ordinal);
        Assert.Equal(messageId, mail.Header("message-id"));
    }

    [Fact]
    public async Task AConnectionTheServerDroppedIsOpenedAgainForTheNextMessage()
    {
        await using var smtp = new MailDevProcess();
        await smtp.StartAsync();
        await using var app = fixture.StartAnotherApp(
            new Dictionary<string, string?> { ["Email:Smtp:Port"] = $"{smtp.SmtpPort}", ["Email:Smtp:Connections"] = "1" });
        var sender = app.Service<IEmailSender>();
        var before = $"before-restart-{Guid.NewGuid():N}@example.test";
        var after = $"after-restart-{Guid.NewGuid():N}@example.test";
        await sender.SendAsync(Mail(before, sender), CancellationToken.None);

        // The one pooled connection now leads to a server that is gone.
        await smtp.StopAsync();
        await smtp.StartAsync();
        await sender.SendAsync(Mail(after, sender), CancellationToken.None);

        using var inbox = smtp.Client;
        Assert.Single(await inbox.WaitForAsync(after));
    }

    private static EmailMessage Mail(string to, IEmailSender sender) =>
        new(to, "Minute of silence at 17:00 (Asia/Baku)", "The minute of silence begins at 17:00 Asia/Baku.", null,
            $"<{Guid.NewGuid():N}@{sender.MessageIdDomain}>");
}
