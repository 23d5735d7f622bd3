using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ceremonies.Tests.Fakes;

// A venue's PA system on 127.0.0.1: records every webhook call it receives (when, which path, the
// headers and body) and answers each path with the statuses it was told, then 200.
public sealed class SignalReceiver : IAsyncDisposable
{
    public sealed record Received(string Path, string? Signal, DateTimeOffset ReceivedAt, string Body, string? Timestamp, string? Signature, int AnsweredWith);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _scripts = new();

    public ConcurrentQueue<Received> Calls { get; } = new();

    private SignalReceiver(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!; // set by StartAsync

    public static async Task<SignalReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new SignalReceiver(app);
        app.MapPost("/{name}", async (string name, HttpRequest request) =>
        {
            var receivedAt = DateTimeOffset.UtcNow;
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            string? signal = null;
            try
            {
                signal = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("signal").GetString();
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // Recorded as it came; the test sees a call without a signal.
            }
            var status = receiver._scripts.TryGetValue($"{name}:{signal}", out var script) && script.TryDequeue(out var next) ? next : 200;
            receiver.Calls.Enqueue(new Received(name, signal, receivedAt, body,
                request.Headers["Ceremonies-Timestamp"].FirstOrDefault(), request.Headers["Ceremonies-Signature"].FirstOrDefault(), status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(); // Kestrel carries it
        receiver.Address = new Uri(address);
        return receiver;
    }

    // The path answers these statuses to its first calls of the signal, in order.
    public void Script(string name, string signal, params int[] statuses) => _scripts[$"{name}:{signal}"] = new ConcurrentQueue<int>(statuses);

    public Uri For(string name) => new(Address, name);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
