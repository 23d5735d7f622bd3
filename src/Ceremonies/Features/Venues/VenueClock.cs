namespace Ceremonies.Features.Venues;

// What depends on a venue's clock (its minutes of silence) is told when the venue's time zone
// changes, before the change is saved, and adds its own changes to the same save: the venue and
// what follows from its new zone are committed together or not at all.
public interface IVenueClockDependent
{
    Task VenueZoneChangedAsync(Venue venue, CancellationToken cancellationToken);
}
