using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Ceremonies.Infrastructure.Validation;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Ceremonies.Infrastructure.Http;

// The generator describes the C# types; these corrections make /openapi/v1.json say what the
// endpoints accept, so a client built from it sends bodies that pass validation. Required-ness
// comes from the contracts themselves (an optional positional parameter has a default).
internal static class OpenApiSchemas
{
    // The shapes the API reads a person's local time in. System.Text.Json would also read an offset
    // or "Z", but the endpoints refuse those (BookingRules.Resolve), and JSON Schema's "date-time"
    // and "time" formats demand one, so those formats would describe only values that are refused.
    private const string LocalDateTimePattern = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$";
    private const string LocalTimePattern = @"^\d{2}:\d{2}:\d{2}(\.\d{1,7})?$";

    // Microsoft.AspNetCore.OpenApi's mark of a nullable property (OpenApiConstants.NullableProperty).
    // It is internal, so a rename would bring the null back; OpenApiTests would then say so.
    private const string NullablePropertyMarker = "x-is-nullable-property";

    public static OpenApiOptions DescribeWhatEndpointsAccept(this OpenApiOptions options) =>
        options.AddSchemaTransformer((schema, context, _) =>
        {
            Describe(schema, context.JsonTypeInfo, context.JsonPropertyInfo);
            return Task.CompletedTask;
        });

    private static void Describe(OpenApiSchema schema, JsonTypeInfo type, JsonPropertyInfo? property)
    {
        // StringLength without a minimum is written as minLength 0, which says nothing.
        if (schema.MinLength == 0)
        {
            schema.MinLength = null;
        }
        var clr = Nullable.GetUnderlyingType(type.Type) ?? type.Type;
        if (clr == typeof(string) && schema.Type is null)
        {
            // Strings are read through NulCharacters' converter, and the generator describes a type
            // with a custom converter as "anything": say it is text again, null where allowed.
            schema.Type = property is { IsSetNullable: true } ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        }
        if (clr.IsEnum)
        {
            DescribeEnum(schema);
        }
        else if (clr == typeof(DateTime))
        {
            DescribeLocal(schema, LocalDateTimePattern, "2026-02-26T17:00:00",
                "A local date and time in the venue's zone, without an offset or 'Z'.");
        }
        else if (clr == typeof(TimeOnly))
        {
            DescribeLocal(schema, LocalTimePattern, "09:00:00", "A local time of day, without an offset.");
        }
        if (property?.AttributeProvider is { } provider)
        {
            foreach (var attribute in provider.GetCustomAttributes(inherit: false).OfType<ValidationAttribute>())
            {
                DescribeAttribute(schema, attribute, clr);
            }
        }
        if (property is { DeclaringType.Namespace: "Microsoft.AspNetCore.Identity.Data", Name: "email" or "newEmail" })
        {
            // Identity's request records carry no [EmailAddress], yet Identity refuses anything but an address.
            schema.Format = "email";
        }
    }

    // Only what belongs to this property: a schema of an enum or an object becomes the shared
    // component, so a change to it here would show wherever the type is used.
    private static void DescribeAttribute(OpenApiSchema schema, ValidationAttribute attribute, Type clr)
    {
        switch (attribute)
        {
            case RequiredAttribute required:
                // [Required] refuses null, and an empty string unless told otherwise.
                DropNull(schema);
                if (clr == typeof(string) && !required.AllowEmptyStrings && (schema.MinLength ?? 0) < 1)
                {
                    schema.MinLength = 1;
                }
                break;
            case EmailAddressAttribute or MailboxAttribute:
                schema.Format = "email";
                break;
            case CountryCodeAttribute:
                schema.Pattern = "^[A-Z]{2}$";
                schema.Examples = [JsonValue.Create("AZ")];
                schema.Description ??= "An ISO 3166-1 alpha-2 country code in capitals.";
                break;
            case IanaTimeZoneAttribute:
                schema.Examples = [JsonValue.Create("Asia/Baku")];
                schema.Description ??= "An IANA time zone id, such as Europe/Paris or Asia/Baku.";
                break;
        }
    }

    // Enums travel by camelCase name only (WebSetup's converter refuses numbers). A nullable enum
    // leaves a null among the names; whether null is allowed is the property's business.
    private static void DescribeEnum(OpenApiSchema schema)
    {
        if (schema.Enum is not { Count: > 0 } names)
        {
            return;
        }
        schema.Enum = [.. names.Where(n => n is not null)];
        schema.Type = JsonSchemaType.String;
    }

    private static void DescribeLocal(OpenApiSchema schema, string pattern, string example, string description)
    {
        schema.Format = null;
        schema.Pattern = pattern;
        schema.Examples = [JsonValue.Create(example)];
        schema.Description ??= description;
    }

    private static void DropNull(OpenApiSchema schema)
    {
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null))
        {
            schema.Type = type & ~JsonSchemaType.Null;
        }
        // A property of an enum or object type is marked so that the reference to the shared
        // component is wrapped in oneOf [null, reference] later; unmarked, it stays a plain reference.
        schema.Metadata?.Remove(NullablePropertyMarker);
    }
}
