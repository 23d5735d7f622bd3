using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Ceremonies.Data;

// Enum values are stored as snake_case text ('pending', 'official_event') that CHECK constraints can list.
public sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    value => SnakeCase.Text(value),
    text => Enum.Parse<TEnum>(text.Replace("_", "", StringComparison.Ordinal), true))
    where TEnum : struct, Enum;

public static class SnakeCase
{
    // The stored text of an enum value (also for writes that do not go through EF), worked out once per value.
    public static string Text<TEnum>(TEnum value) where TEnum : struct, Enum => Texts<TEnum>.All[value];

    private static class Texts<TEnum> where TEnum : struct, Enum
    {
        public static readonly FrozenDictionary<TEnum, string> All =
            Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));
    }
}
