using System.Collections.Frozen;
using System.ComponentModel.DataAnnotations;

namespace Ceremonies.Infrastructure.Validation;

// An IANA zone id the server knows ("Europe/Paris", "Asia/Baku"). Windows ids and abbreviations
// ("CET") are refused: the stored id must mean the same on every machine. An id is accepted in any
// letter case and stored as the time zone database spells it (Canonical), so that every later
// comparison and display is right.
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class IanaTimeZoneAttribute : ValidationAttribute
{
    // The zones of the system's time zone database, by id in any case. .NET finds a zone by a
    // differently cased id only when it happens to have loaded it before, so that cannot be relied on.
    private static readonly FrozenDictionary<string, string> Zones = TimeZoneInfo.GetSystemTimeZones()
        .Where(z => z.HasIanaId)
        .ToFrozenDictionary(z => z.Id, z => z.Id, StringComparer.OrdinalIgnoreCase);

    // Every zone by the name Canonical gives it (Region/City), in order: what the zone pickers offer.
    public static readonly IReadOnlyList<string> Listed = [.. Zones.Values.Where(z => Canonical(z) == z).Order(StringComparer.Ordinal)];

    public IanaTimeZoneAttribute() : base("'{0}' must be an IANA time zone id such as Europe/Paris or Asia/Baku.")
    {
    }

    // The id as the database spells it ("europe/paris" → "Europe/Paris"); an alias the database
    // knows by that exact name ("Asia/Calcutta") as it is; null for anything else.
    public static string? Canonical(string? zone)
    {
        if (zone is not { Length: > 0 and <= 64 } || !zone.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }
        if (Zones.TryGetValue(zone, out var listed))
        {
            return listed;
        }
        return TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var info) && info.HasIanaId && info.Id == zone ? zone : null;
    }

    public static bool IsValid(string? zone) => Canonical(zone) is not null;

    public override bool IsValid(object? value) => value is null || IsValid(value as string);
}
