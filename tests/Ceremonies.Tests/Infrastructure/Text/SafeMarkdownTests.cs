using Ceremonies.Infrastructure.Text;

namespace Ceremonies.Tests.Infrastructure.Text;

public sealed class SafeMarkdownTests
{
    private readonly SafeMarkdown _markdown = new();

    [Fact]
    public void MarkdownBecomesItsHtml()
    {
        var html = _markdown.ToHtml("## Programme\n\nA **minute** of *silence*, then:\n\n1. wreaths\n2. [the memorial](https://memorial.example/visit \"Visit\")\n\n> Never forget");

        Assert.Contains("<h2>Programme</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<strong>minute</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<em>silence</em>", html, StringComparison.Ordinal);
        Assert.Contains("<li>wreaths</li>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://memorial.example/visit\" title=\"Visit\" rel=\"nofollow noopener noreferrer\">the memorial</a>", html, StringComparison.Ordinal);
        Assert.Contains("<blockquote>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<script>alert('x')</script>")]
    [InlineData("<img src=x onerror=\"alert('x')\">")]
    [InlineData("<a href=\"https://example.org\" onclick=\"alert('x')\">hi</a>")]
    [InlineData("<div onmouseover=\"alert('x')\">hover</div>")]
    [InlineData("<svg onload=alert('x')></svg>")]
    [InlineData("<iframe src=\"javascript:alert('x')\"></iframe>")]
    public void RawHtmlStaysText(string markdown)
    {
        var html = _markdown.ToHtml(markdown);

        // Shown as the characters the organizer typed, never as an element.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<svg", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<div", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a ", html, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("<p>&lt;", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[click](javascript:alert('x'))")]
    [InlineData("[click](JaVaScRiPt:alert('x'))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("[click](vbscript:msgbox)")]
    [InlineData("<javascript:alert('x')>")]
    public void ALinkToAnythingButTheWebOrMailLosesItsAddress(string markdown)
    {
        var html = _markdown.ToHtml(markdown);

        // What is left is the link's text, inert: no address to go to.
        Assert.DoesNotContain("href", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AnImageIsDroppedAndMailLinksAreKept()
    {
        var html = _markdown.ToHtml("![tracker](https://tracker.example/pixel.gif) Write to <mailto:info@community.example>");

        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("tracker.example", html, StringComparison.Ordinal);
        Assert.Contains("href=\"mailto:info@community.example\"", html, StringComparison.Ordinal);
    }
}
