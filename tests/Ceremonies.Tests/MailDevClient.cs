using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Ceremonies.Tests;

public sealed record MailDevAddress(string Address, string? Name);

public sealed record MailDevAttachment(string FileName, string GeneratedFileName, string ContentType);

public sealed record MailDevEmail(
    string Id,
    string Subject,
    string? Text,
    string? Html,
    IReadOnlyList<MailDevAddress> From,
    IReadOnlyList<MailDevAddress> To,
    [property: JsonPropertyName("headers")] IReadOnlyDictionary<string, System.Text.Json.JsonElement> Headers,
    IReadOnlyList<MailDevAttachment>? Attachments)
{
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: System.Text.Json.JsonValueKind.String } v
            ? v.GetString()
            : null;
}

// Reads delivered mail back through MailDev's REST API (version 3 serves it under /api).
public sealed class MailDevClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };

    public async Task<IReadOnlyList<MailDevEmail>> ToAsync(string address)
    {
        var all = await _http.GetFromJsonAsync<List<MailDevEmail>>($"/api/email?to.address={Uri.EscapeDataString(address)}") ?? [];
        return [.. all.Where(m => m.To.Any(t => string.Equals(t.Address, address, StringComparison.OrdinalIgnoreCase)))];
    }

    // Returns as soon as the mail is there. The wait is long because on a busy machine (CI runs beside
    // other work) MailDev, starved of CPU, once took more than 15 s to show a mail it had accepted.
    public async Task<IReadOnlyList<MailDevEmail>> WaitForAsync(string address, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var found = await ToAsync(address);
            if (found.Count >= count || DateTime.UtcNow > deadline)
            {
                return found;
            }
            await Task.Delay(100);
        }
    }

    // The message as it came over SMTP.
    public Task<string> SourceAsync(MailDevEmail mail) =>
        _http.GetStringAsync(new Uri($"/api/email/{mail.Id}/source", UriKind.Relative));

    public Task<byte[]> AttachmentAsync(MailDevEmail mail, MailDevAttachment attachment) =>
        _http.GetByteArrayAsync(new Uri($"/api/email/{mail.Id}/attachment/{Uri.EscapeDataString(attachment.GeneratedFileName)}", UriKind.Relative));

    public void Dispose() => _http.Dispose();
}
