using Ganss.Xss;
using Markdig;

namespace Ceremonies.Infrastructure.Text;

// An organizer's Markdown (an event's description) as HTML that a page may show as it is. Two
// layers: Markdig with raw HTML turned off, so an organizer's "<script>" or "<img onerror=…>" stays
// text; then HtmlSanitizer over Markdig's output, keeping only the few tags Markdown makes and
// links to http, https and mailto, since a link's address is the organizer's ("javascript:…").
// Images are not kept: an organizer's image would load from an address of their choosing in
// every reader's browser. Links open as plain links, without passing on the page's address.
public sealed class SafeMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .Build();

    private readonly HtmlSanitizer _sanitizer = CreateSanitizer();

    public string ToHtml(string markdown) => _sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));

    // The text without its Markdown, for places that take no HTML (a search engine's event data).
    // Not HTML: whoever writes it into a page encodes it.
    public static string ToPlainText(string markdown) => Markdown.ToPlainText(markdown, Pipeline).Trim();

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer { KeepChildNodes = true };
        Replace(sanitizer.AllowedTags,
            "p", "br", "hr", "em", "strong", "del", "sub", "sup", "code", "pre", "blockquote",
            "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a");
        Replace(sanitizer.AllowedAttributes, "href", "title", "start");
        Replace(sanitizer.AllowedSchemes, "http", "https", "mailto");
        Replace(sanitizer.UriAttributes, "href");
        sanitizer.AllowedCssProperties.Clear();
        sanitizer.AllowedAtRules.Clear();
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { LocalName: "a" } link)
            {
                link.SetAttribute("rel", "nofollow noopener noreferrer");
            }
        };
        return sanitizer;
    }

    private static void Replace(ISet<string> set, params string[] values)
    {
        set.Clear();
        set.UnionWith(values);
    }
}
