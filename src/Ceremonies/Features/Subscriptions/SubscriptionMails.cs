using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Ceremonies.Features.Subscriptions;

// The mails to a subscriber, as plain text and as HTML written from the same lines.
public static class SubscriptionMails
{
    // The only mail an address gets before its owner opens the link in it.
    public static (string Subject, string Text, string Html) Confirmation(Subscription s, string following, SubscriptionLinks links)
    {
        var t = SubscriberTexts.For(s.Language);
        return new MailBody(t.Culture)
            .Line(t.Text(t.ConfirmIntro, following))
            .Link(t.Text(t.ConfirmAction, links.ConfirmationDays), links.ConfirmPage(s.Id))
            .Line(t.ConfirmIgnore)
            .Build(t.Text(t.ConfirmSubject, following));
    }

    // To an address that subscribed before and asks again: the link to change or stop what it gets.
    public static (string Subject, string Text, string Html) Known(Subscription s, string following, SubscriptionLinks links)
    {
        var t = SubscriberTexts.For(s.Language);
        var manage = links.ManageToken(s.Id);
        return new MailBody(t.Culture)
            .Link(t.Text(t.KnownIntro, following), links.PreferencesPage(manage))
            .Link(t.Unsubscribe, links.UnsubscribePage(manage))
            .Line(t.ConfirmIgnore)
            .Build(t.Text(t.KnownSubject, following));
    }
}

// Paragraphs, "label: value" lines and links, written once as text and once as HTML (encoded).
public sealed class MailBody(string culture)
{
    // Letters of every script as they are (the body is UTF-8); only markup characters are escaped.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly StringBuilder _text = new();
    private readonly StringBuilder _html = new();

    public MailBody Line(string line)
    {
        _text.Append(line).Append("\n\n");
        _html.Append("<p>").Append(Html.Encode(line)).Append("</p>\n");
        return this;
    }

    public MailBody Fact(string label, string value)
    {
        _text.Append(label).Append(": ").Append(value).Append('\n');
        _html.Append("<p style=\"margin:0\"><strong>").Append(Html.Encode(label)).Append(":</strong> ")
            .Append(Html.Encode(value)).Append("</p>\n");
        return this;
    }

    public MailBody Link(string label, Uri link)
    {
        _text.Append(label).Append('\n').Append(link.AbsoluteUri).Append("\n\n");
        _html.Append("<p>").Append(Html.Encode(label)).Append("<br><a href=\"")
            .Append(Html.Encode(link.AbsoluteUri)).Append("\">")
            .Append(Html.Encode(link.AbsoluteUri)).Append("</a></p>\n");
        return this;
    }

    public MailBody Gap()
    {
        _text.Append('\n');
        return this;
    }

    public (string Subject, string Text, string Html) Build(string subject) =>
        (subject, _text.ToString().TrimEnd() + "\n",
            $"<!DOCTYPE html>\n<html lang=\"{culture[..2]}\"><head><meta charset=\"utf-8\"><title>{Html.Encode(subject)}</title></head>\n<body>\n{_html}</body></html>\n");
}
