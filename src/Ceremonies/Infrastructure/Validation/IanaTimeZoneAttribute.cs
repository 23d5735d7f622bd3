using System.ComponentModel.DataAnnotations;

namespace Ceremonies.Infrastructure.Validation;

// An IANA zone id the server knows ("Europe/Paris", "Asia/Baku"). Windows ids and abbreviations
// ("CET") are refused: the stored id must mean the same on every machine.
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class IanaTimeZoneAttribute : ValidationAttribute
{
    public IanaTimeZoneAttribute() : base("'{0}' must be an IANA time zone id such as Europe/Paris or Asia/Baku.")
    {
    }

    public static bool IsValid(string? zone) =>
        zone is { Length: > 0 and <= 64 }
        && zone.Contains('/', StringComparison.Ordinal)
        && TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var info)
        && info.HasIanaId;

    public override bool IsValid(object? value) => value is null || IsValid(value as string);
}
