using System.ComponentModel.DataAnnotations;

namespace Ceremonies.Features.Bookings;

public sealed class BookingOptions
{
    public const string Section = "Bookings";

    // A request holds its slot this long unless the venue's staff decide sooner.
    [Range(1, 24 * 60)]
    public int RequestHoldHours { get; set; } = 72;

    // The widest window one calendar query may ask for.
    [Range(1, 400)]
    public int MaxQueryDays { get; set; } = 92;
}
