using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Ceremonies.Data;

// Enum states are stored as lowercase text ('pending', 'manager') that CHECK constraints can list.
public sealed class LowercaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    value => value.ToString().ToLowerInvariant(),
    text => Enum.Parse<TEnum>(text, true))
    where TEnum : struct, Enum;
