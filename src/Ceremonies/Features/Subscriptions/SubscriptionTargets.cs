using System.ComponentModel.DataAnnotations;
using Ceremonies.Data;
using Ceremonies.Features.Events;
using Ceremonies.Features.Observances;
using Ceremonies.Features.Venues;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Subscriptions;

// What may be followed, and how it is named in forms and emails.
public static class SubscriptionTargets
{
    public static IEnumerable<ValidationResult> Check(Follows? follows, Guid? observanceId, Guid? venueId, string? country, Guid? eventId)
    {
        if (follows is not { } kind)
        {
            yield break;
        }
        (string Field, bool Given)[] fields = [("ObservanceId", observanceId is not null), ("VenueId", venueId is not null), ("Country", country is not null), ("EventId", eventId is not null)];
        var wanted = kind switch
        {
            Follows.Observance => "ObservanceId",
            Follows.Venue => "VenueId",
            Follows.Country => "Country",
            _ => "EventId",
        };
        foreach (var (field, given) in fields)
        {
            if (field == wanted && !given)
            {
                yield return new ValidationResult($"Say which one to follow: {field} is needed when follows is {kind.ToString().ToLowerInvariant()}.", [field]);
            }
            else if (field != wanted && given)
            {
                yield return new ValidationResult($"Leave {field} out when follows is {kind.ToString().ToLowerInvariant()}.", [field]);
            }
        }
    }

    public static SubscriptionTarget Of(Follows follows, Guid? observanceId, Guid? venueId, string? country, Guid? eventId) =>
        new(follows, follows switch
        {
            Follows.Observance => observanceId,
            Follows.Venue => venueId,
            Follows.Event => eventId,
            _ => null,
        }, follows == Follows.Country ? country : null);

    // The target's name, or null when there is no such thing to follow (an event the public does
    // not see, or one that is over, counts as none).
    public static async Task<string?> NameAsync(CeremoniesDb db, SubscriptionTarget target, DateTimeOffset now, CancellationToken cancellationToken) =>
        target.Follows switch
        {
            Follows.Observance => await db.Observances.Where(o => o.Id == target.Id).Select(o => o.Name).FirstOrDefaultAsync(cancellationToken),
            Follows.Venue => await db.Venues.Where(v => v.Id == target.Id).Select(v => v.Name + ", " + v.City).FirstOrDefaultAsync(cancellationToken),
            Follows.Event => await db.Events.Listed().Where(e => e.Id == target.Id && e.EndsAt > now).Select(e => e.Title).FirstOrDefaultAsync(cancellationToken),
            _ => $"events in {target.Country}",
        };

    public static string FieldOf(Follows follows) => follows switch
    {
        Follows.Observance => "observanceId",
        Follows.Venue => "venueId",
        Follows.Country => "country",
        _ => "eventId",
    };
}
