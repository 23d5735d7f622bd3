using System.Text;
using Ceremonies.Data;
using Ceremonies.Data.Outbox;
using Ceremonies.Features.Events;
using Ceremonies.Features.Subscriptions;
using Ceremonies.Infrastructure.Email;
using Ceremonies.Infrastructure.Outbox;
using Ceremonies.Infrastructure.Text;
using Ical.Net.CalendarComponents;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Reminders;

// What a reminder says is written when it is sent, from what holds then: the event's current title,
// the subscriber's current language and zone. A reminder that no longer fits is withdrawn instead:
// the subscriber stopped, the event was taken down or moved, the minute moved, or the moment has come.
public sealed class ReminderRenderer(CeremoniesDb db, SubscriptionLinks links, TimeProvider clock) : IOutboxRenderer
{
    public const string Name = "reminder";

    // Of one reminder, what the batch's query reads.
    private sealed record Row(
        Guid MessageId, int OffsetMinutes, DateTimeOffset MomentAt, Guid SubscriptionId, string State, bool StillWanted, string TimeZone, string Language,
        string Follows, string? FollowsCountry, string? FollowedVenue, string? FollowedObservance, string? FollowedEvent,
        Guid? EventId, Guid? OccurrenceId, DateTimeOffset? SilenceAt, string? ObservanceName, int? SilenceSeconds,
        Guid? VenueId, DateTimeOffset? VenueBeginsAt, string? VenueName, string? VenueZone, string? VenueCity);

    public async Task<IReadOnlyDictionary<Guid, Rendering>> RenderAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var ids = messages.Select(m => m.Id).ToArray();
        var rows = await db.Database.SqlQuery<Row>($"""
            SELECT r.message_id, r.offset_minutes, r.moment_at, s.id AS subscription_id, s.state,
                   -- The subscription still follows what the reminder is about, with this offset
                   -- (its choices may have changed a moment ago, before the planner caught up).
                   r.offset_minutes = ANY(s.offset_minutes) AND CASE s.follows
                       WHEN 'event' THEN s.event_id = r.event_id
                       WHEN 'country' THEN s.country = (SELECT e.country FROM events e WHERE e.id = r.event_id)
                       WHEN 'venue' THEN s.venue_id = coalesce(r.venue_id,
                           (SELECT h.venue_id FROM events e JOIN halls h ON h.id = e.hall_id WHERE e.id = r.event_id))
                       WHEN 'observance' THEN s.observance_id = o.observance_id AND r.venue_id IS NULL
                       ELSE false END IS TRUE AS still_wanted,
                   s.time_zone, s.language,
                   s.follows, s.country AS follows_country, fv.name AS followed_venue, fo.name AS followed_observance,
                   fe.title AS followed_event, r.event_id, r.occurrence_id, o.silence_at, obs.name AS observance_name,
                   obs.silence_seconds, r.venue_id, ov.begins_at AS venue_begins_at, v.name AS venue_name,
                   v.time_zone AS venue_zone, v.city AS venue_city
              FROM reminders r
              JOIN subscriptions s ON s.id = r.subscription_id
              LEFT JOIN venues fv ON fv.id = s.venue_id
              LEFT JOIN observances fo ON fo.id = s.observance_id
              LEFT JOIN events fe ON fe.id = s.event_id
              LEFT JOIN occurrences o ON o.id = r.occurrence_id
              LEFT JOIN observances obs ON obs.id = o.observance_id
              LEFT JOIN occurrence_venues ov ON ov.occurrence_id = r.occurrence_id AND ov.venue_id = r.venue_id
              LEFT JOIN venues v ON v.id = r.venue_id
             WHERE r.message_id = ANY({ids})
            """).ToListAsync(cancellationToken);
        var eventIds = rows.Where(r => r.EventId is not null).Select(r => r.EventId!.Value).Distinct().ToList();
        var events = eventIds.Count == 0
            ? []
            : await db.Events.AsNoTracking().Where(e => eventIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, cancellationToken);
        var now = clock.GetUtcNow();
        // One calendar file per event or minute for the whole batch: the same for every subscriber.
        var calendars = new Dictionary<(Guid, Guid?), EmailAttachment>();
        var result = new Dictionary<Guid, Rendering>(rows.Count);
        foreach (var row in rows)
        {
            // One reminder that cannot be written (data no rule foresaw) waits for a retry alone;
            // the batch's others go.
            try
            {
                result[row.MessageId] = Render(row, events, calendars, now);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                result[row.MessageId] = Rendering.Fail(e);
            }
        }
        return result;
    }

    private Rendering Render(Row row, Dictionary<Guid, CommunityEvent> events, Dictionary<(Guid, Guid?), EmailAttachment> calendars, DateTimeOffset now)
    {
        if (row.State != "confirmed")
        {
            return Rendering.Withdraw("the subscriber stopped these reminders");
        }
        if (!row.StillWanted)
        {
            // The planner gives it to another subscription of the address that wants it, if any.
            return Rendering.Withdraw("the subscriber no longer follows this, or chose other times");
        }
        if (row.MomentAt <= now)
        {
            return Rendering.Withdraw("its moment has come");
        }
        var t = SubscriberTexts.For(row.Language);
        // "in 1 day" when it goes out on time; "soon" when it goes out late (it was planned late, or
        // the mail server was away).
        var due = row.MomentAt.AddMinutes(-row.OffsetMinutes);
        var when = t.Before(now - due < TimeSpan.FromMinutes(Math.Max(5, row.OffsetMinutes / 10)) ? row.OffsetMinutes : 0);
        var body = new MailBody(t.Culture);
        string subject;
        if (row.EventId is { } eventId)
        {
            if (!events.TryGetValue(eventId, out var e) || !e.Published)
            {
                return Rendering.Withdraw("the event is no longer listed");
            }
            if (e.StartsAt != row.MomentAt)
            {
                return Rendering.Withdraw("the event moved: its reminders were planned again");
            }
            subject = t.Text(t.ReminderSubject, e.Title, when);
            var page = links.Site($"events/{e.Id}");
            body.Line(t.Text(t.ReminderIntro, e.Title, when))
                .Fact(t.EventTime, t.Moment(e.StartsAt, e.TimeZone))
                .Fact(t.YourTime, t.Moment(e.StartsAt, row.TimeZone))
                .Fact(t.Where, $"{e.Address}, {e.City}, {e.Country}")
                .Gap()
                .Link(t.Details, page);
            Attach(calendars, (eventId, null), () => EventQueries.Calendar(e.Title, [e], _ => page));
        }
        else
        {
            var occurrenceId = row.OccurrenceId!.Value; // a reminder is about an event or an occurrence
            var moment = row.VenueId is null ? row.SilenceAt : row.VenueBeginsAt;
            if (moment is null)
            {
                return Rendering.Withdraw("the venue no longer takes part in the minute of silence");
            }
            if (moment != row.MomentAt)
            {
                return Rendering.Withdraw("the minute of silence moved: its reminders were planned again");
            }
            var name = row.ObservanceName!;
            subject = t.Text(t.ReminderSilenceSubject, when, name);
            var page = links.Site($"occurrences/{occurrenceId}");
            body.Line(t.Text(t.ReminderIntro, t.Text(t.SilenceAt, name), when));
            if (row.VenueId is not null)
            {
                body.Fact(t.EventTime, t.Moment(row.MomentAt, row.VenueZone!)).Fact(t.Where, $"{row.VenueName}, {row.VenueCity}");
            }
            body.Fact(t.YourTime, t.Moment(row.MomentAt, row.TimeZone)).Gap().Link(t.Details, page);
            Attach(calendars, (occurrenceId, row.VenueId), () => Minute(occurrenceId, row, name, page));
        }
        var manage = links.ManageToken(row.SubscriptionId);
        var (_, text, html) = body
            .Line(t.Text(t.WhyYouGetThis, Following(row)))
            .Link(t.Preferences, links.PreferencesPage(manage))
            .Link(t.Unsubscribe, links.UnsubscribePage(manage))
            .Build(subject);
        var calendar = calendars[row.EventId is { } id ? (id, null) : (row.OccurrenceId!.Value, row.VenueId)];
        return Rendering.Send(new RenderedEmail(subject, text, html)
        {
            Attachments = [calendar],
            // RFC 2369 and RFC 8058: mail clients offer an unsubscribe button that POSTs to the link.
            Headers = new Dictionary<string, string>
            {
                ["List-Unsubscribe"] = $"<{links.OneClick(manage).AbsoluteUri}>",
                ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click",
                ["Auto-Submitted"] = "auto-generated",
            },
        });
    }

    private static void Attach(Dictionary<(Guid, Guid?), EmailAttachment> calendars, (Guid, Guid?) key, Func<string> write)
    {
        if (!calendars.ContainsKey(key))
        {
            calendars[key] = new EmailAttachment("reminder.ics", "text/calendar; charset=utf-8", Encoding.UTF8.GetBytes(write()));
        }
    }

    private static string Following(Row row) => row.Follows switch
    {
        "observance" => row.FollowedObservance ?? "",
        "venue" => row.FollowedVenue ?? "",
        "country" => row.FollowsCountry ?? "",
        _ => row.FollowedEvent ?? "",
    };

    private static string Minute(Guid occurrenceId, Row row, string name, Uri page)
    {
        var calendar = new Ical.Net.Calendar { ProductId = "-//Ceremonies//Minute of silence//EN", Scale = "GREGORIAN", Method = "PUBLISH" };
        calendar.Events.Add(new CalendarEvent
        {
            Uid = $"minute-{occurrenceId}-{row.VenueId?.ToString() ?? "all"}@ceremonies",
            DtStamp = Ics.Utc(row.MomentAt),
            DtStart = Ics.Utc(row.MomentAt),
            DtEnd = Ics.Utc(row.MomentAt.AddSeconds(row.SilenceSeconds ?? 60)),
            Summary = $"Minute of silence: {name}",
            Location = row.VenueName is null ? null : $"{row.VenueName}, {row.VenueCity}",
            Url = page,
            Status = "CONFIRMED",
        });
        return Ics.Write(calendar);
    }
}
