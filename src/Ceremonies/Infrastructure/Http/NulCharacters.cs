using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace Ceremonies.Infrastructure.Http;

// PostgreSQL cannot store U+0000 in text (it fails with 22021, which was a 500). No person types
// it, so it is refused wherever text enters: in every JSON string (this converter, in the JSON
// options every endpoint reads with) and in every query string and form (the middleware).
public static class NulCharacters
{
    public const string Message = "This text contains the NUL character (U+0000), which is not allowed.";

    public static WebApplicationBuilder RefuseNulCharacters(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new RefusingConverter()));
        return builder;
    }

    public static WebApplication UseNulCharacterGuard(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            // The error page shown for this very refusal reads the same request: let it through.
            var refusal = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is null
                ? await RefusalAsync(context.Request)
                : null;
            if (refusal is not { } r)
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            // A browser gets the error page (status code pages); other clients the problem.
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ValidationProblemDetails(new Dictionary<string, string[]> { [r.Field] = [r.Message] })
                {
                    Title = "The request contains text that cannot be read or stored.",
                    Type = ProblemTypes.Validation,
                    Status = StatusCodes.Status400BadRequest,
                },
            });
        });
        return app;
    }

    private static async Task<(string Field, string Message)?> RefusalAsync(HttpRequest request)
    {
        foreach (var (key, values) in request.Query)
        {
            if (HasNul(key) || values.Any(HasNul))
            {
                return (key, Message);
            }
        }
        if (!request.HasFormContentType)
        {
            return null;
        }
        // Forms are small (WebSetup caps bodies at 1 MiB); kept so that a refused one can be read again.
        request.EnableBuffering();
        IFormCollection form;
        try
        {
            // Read once here; model binding later uses the same parsed form.
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (InvalidDataException e)
        {
            // ASP.NET Core refuses a URL-encoded NUL itself, for the whole form: find the field it was in.
            request.Body.Position = 0;
            using var reader = new StreamReader(request.Body, leaveOpen: true);
            return FieldWithNul(await reader.ReadToEndAsync(request.HttpContext.RequestAborted)) is { } field ? (field, Message) : ("form", e.Message);
        }
        foreach (var (key, values) in form)
        {
            if (HasNul(key) || values.Any(HasNul))
            {
                return (key, Message);
            }
        }
        return null;
    }

    // The first field of a URL-encoded form whose name or value decodes to text with a NUL.
    private static string? FieldWithNul(string body)
    {
        foreach (var pair in body.Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = equals < 0 ? (Decode(pair), "") : (Decode(pair[..equals]), Decode(pair[(equals + 1)..]));
            if (HasNul(key) || HasNul(value))
            {
                return key.Replace("\0", "", StringComparison.Ordinal);
            }
        }
        return null;
    }

    private static string Decode(string encoded) => Uri.UnescapeDataString(encoded.Replace('+', ' '));

    private static bool HasNul(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal);

    // System.Text.Json unescapes "\u0000" into the string; refuse it there, and the bad-request
    // handler names the property the reader stopped at.
    private sealed class RefusingConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Checked(reader.GetString());

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Checked(reader.GetString())!; // a property name is never null

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

        private static string? Checked(string? value) => HasNul(value) ? throw new NulCharacterException() : value;
    }
}

public sealed class NulCharacterException() : JsonException(NulCharacters.Message);
