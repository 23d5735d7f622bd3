using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Features.Events;
using Ceremonies.Features.Observances;
using Ceremonies.Infrastructure.Time;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Demo;

// Community events of the diaspora on the day of the remembrance's coming occurrence, so the listing
// and the occurrence's page have something real to show: approved events in eight countries (most
// holding the minute of silence), one waiting for a moderator and one rejected. The rows are
// inserted as they would stand after moderation, not through EventActions: that would put mails to
// the organizers in the outbox, and demo data must not mail anyone.
public static class DemoEvents
{
    // The same id at every start for a year's occurrence, and new ones for the next year's, so a demo
    // database kept past 26 February gets that year's events too.
    public static Guid Id(int year, int number) =>
        new(string.Create(CultureInfo.InvariantCulture, $"0193a6f0-3000-7000-8000-{year:D4}{number:D8}"));

    public static IReadOnlyList<Guid> IdsFor(int year) => [.. All.Select(e => Id(year, e.Number))];

    // What exists is left as it is (a demo user may have changed or withdrawn it).
    public static async Task SeedAsync(
        CeremoniesDb db, Occurrence occurrence, Organizers organizers, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = IdsFor(occurrence.Year);
        var existing = await db.Events.Where(e => ids.Contains(e.Id)).Select(e => e.Id).ToListAsync(cancellationToken);
        foreach (var demo in All.Where(d => !existing.Contains(Id(occurrence.Year, d.Number))))
        {
            var start = At(occurrence.LocalDate.ToDateTime(demo.Start), demo.Zone);
            var end = At(start.Local + demo.Length, demo.Zone);
            var moderated = demo.State != EventState.Submitted;
            db.Events.Add(new CommunityEvent
            {
                Id = Id(occurrence.Year, demo.Number),
                OrganizerId = demo.BySecondOrganizer ? organizers.Second : organizers.First,
                OrganizerName = demo.Organizer,
                Title = demo.Title,
                Description = demo.Description,
                Languages = [.. demo.Languages],
                LocalStart = start.Local,
                LocalEnd = end.Local,
                TimeZone = demo.Zone,
                StartsAt = start.Instant,
                EndsAt = end.Instant,
                Address = demo.Address,
                City = demo.City,
                Country = demo.Country,
                OccurrenceId = occurrence.Id,
                HoldsSilence = demo.HoldsSilence,
                Capacity = demo.Capacity,
                Contact = demo.Contact,
                State = demo.State,
                Published = demo.State == EventState.Approved,
                Reason = demo.Reason,
                ModeratedBy = moderated ? organizers.Moderator : null,
                ModeratedAt = moderated ? now : null,
                // As EventActions leaves it: one step of moderation counted for calendars.
                Sequence = moderated ? 1 : 0,
                SubmittedAt = now,
                CreatedAt = now,
                UpdatedAt = now,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    public sealed record Organizers(Guid First, Guid Second, Guid Moderator);

    private static ZonedTime At(DateTime local, string zone) =>
        ZonedTime.Resolve(local, zone) ?? throw new InvalidOperationException($"The demo event's local time {local:s} does not exist in {zone}.");

    // Start: local time on the occurrence's date in the event's zone. The minute of silence of the
    // seeded observance (17:00 Asia/Baku, 13:00 UTC) falls inside every event that holds it: 14:00
    // in Paris, 08:00 in New York, 00:00 on the next day in Sydney.
    private sealed record DemoEvent(
        int Number, string City, string Country, string Zone, TimeOnly Start, TimeSpan Length, string Title, string Organizer,
        string Address, string[] Languages, int Capacity, string Contact, bool HoldsSilence, string Description,
        EventState State = EventState.Approved, string? Reason = null, bool BySecondOrganizer = false);

    private static readonly DemoEvent[] All =
    [
        new(1, "Paris", "FR", "Europe/Paris", new(13, 30), TimeSpan.FromHours(2),
            "Khojaly : une minute de silence à Paris", "Association culturelle des Azerbaïdjanais de Paris",
            "Salle Olympe-de-Gouges, 15 rue Merlin, 75011 Paris", ["fr", "az"], 150, "memoire@acap.demo.local", true,
            """
            Recueillement en mémoire des victimes de **Khojaly**, le 26 février 1992.

            - 13 h 30 : accueil et exposition de photographies
            - 14 h 00 : **minute de silence**, au même instant qu'au mémorial
            - 14 h 15 : lectures de témoignages en français et en azerbaïdjanais

            Entrée libre, inscription conseillée.
            """),
        new(2, "Berlin", "DE", "Europe/Berlin", new(13, 0), TimeSpan.FromHours(2),
            "Gedenken an Chodschali – Schweigeminute in Berlin", "Aserbaidschanischer Kulturverein Berlin e. V.",
            "Nachbarschaftshaus, Urbanstraße 21, 10961 Berlin", ["de", "az"], 120, "gedenken@akv-berlin.demo.local", true,
            """
            Wir gedenken der Opfer von **Chodschali** (26. Februar 1992).

            1. Begrüßung und Kranzniederlegung
            2. **Schweigeminute um 14:00 Uhr**, zeitgleich mit der Gedenkstätte
            3. Zeitzeugenberichte und Musik

            Barrierefreier Zugang über den Hof.
            """,
            BySecondOrganizer: true),
        new(3, "London", "GB", "Europe/London", new(12, 30), TimeSpan.FromMinutes(90),
            "Khojaly Remembrance Vigil, London", "Azerbaijani Community Association of London",
            "St Peter's Hall, 59 Portobello Road, London W11 3DB", ["en", "az"], 200, "vigil@acal.demo.local", true,
            """
            A vigil for the victims of the **Khojaly massacre** of 26 February 1992.

            - 12:30 doors open, candles are handed out
            - 13:00 **minute of silence**, together with the memorial in Khojaly
            - 13:15 readings by survivors' families

            Everyone is welcome; the hall is step-free.
            """),
        new(4, "New York", "US", "America/New_York", new(7, 30), TimeSpan.FromMinutes(90),
            "Morning of Remembrance for Khojaly, New York", "Azerbaijani-American Council of New York",
            "Community Room, 305 East 47th Street, New York, NY 10017", ["en", "az", "ru"], 80, "remembrance@aacny.demo.local", true,
            """
            An early gathering to hold the minute of silence **at the same instant** as the memorial:
            8:00 a.m. in New York is 5:00 p.m. in Baku.

            Coffee from 7:30. Please register so we can plan seating.
            """),
        new(5, "Toronto", "CA", "America/Toronto", new(18, 30), TimeSpan.FromHours(2),
            "Khojaly Commemoration Evening, Toronto", "Azerbaijani Canadian Community Association",
            "Hall B, North York Civic Centre, 5100 Yonge Street, Toronto, ON M2N 5V7", ["en", "az", "fr"], 150, "events@acca.demo.local", false,
            """
            An evening of **remembrance** after the day's minute of silence, which our members hold at
            8:00 a.m. at their workplaces and schools.

            - documentary screening
            - poetry of Khojaly in Azerbaijani, English and French
            """,
            BySecondOrganizer: true),
        new(6, "Istanbul", "TR", "Europe/Istanbul", new(15, 0), TimeSpan.FromMinutes(150),
            "Hocalı Soykırımı Anma Töreni", "İstanbul Azerbaycan Kültür ve Dayanışma Derneği",
            "Kültür Merkezi, Halaskargazi Caddesi 120, Şişli, İstanbul", ["tr", "az"], 400, "anma@iakdd.demo.local", true,
            """
            26 Şubat 1992'de **Hocalı**'da hayatını kaybedenleri anıyoruz.

            - 15:00 açılış konuşmaları
            - 16:00 **saygı duruşu**, anıtla aynı anda
            - 16:10 şiirler ve ağıtlar
            """),
        new(7, "Sydney", "AU", "Australia/Sydney", new(23, 30), TimeSpan.FromMinutes(75),
            "Khojaly Midnight Vigil, Sydney", "Azerbaijani Community of New South Wales",
            "Community Hall, 280 Pitt Street, Sydney NSW 2000", ["en", "az"], 60, "vigil@acnsw.demo.local", true,
            """
            The memorial's minute of silence is at **midnight** in Sydney, as 26 February turns into
            27 February. We keep it together by candlelight.

            Light refreshments after the vigil.
            """),
        new(8, "Tbilisi", "GE", "Asia/Tbilisi", new(16, 0), TimeSpan.FromMinutes(150),
            "Khojaly Remembrance Evening, Tbilisi", "Azerbaijani Cultural Centre of Tbilisi",
            "Cultural Centre, 7 Marjanishvili Street, Tbilisi 0102", ["az", "ka", "ru"], 250, "centre@acct.demo.local", true,
            """
            **Xocalı faciəsinin** qurbanlarının xatirəsinə.

            - 16:00 exhibition of photographs and archive documents
            - 17:00 **minute of silence**, at the same moment as in Khojaly
            - 17:10 music and readings in Azerbaijani, Georgian and Russian
            """),
        new(9, "Brussels", "BE", "Europe/Brussels", new(13, 30), TimeSpan.FromMinutes(90),
            "Khojaly Remembrance at the Brussels Community House", "Azerbaijani Students' Association of Belgium",
            "Maison des associations, Rue de la Loi 42, 1040 Bruxelles", ["fr", "nl", "en", "az"], 100, "students@asab.demo.local", true,
            """
            Students and families gather for the **minute of silence** at 14:00, followed by a talk on
            the history of Khojaly.
            """,
            State: EventState.Submitted),
        new(10, "Vienna", "AT", "Europe/Vienna", new(19, 0), TimeSpan.FromHours(2),
            "Khojaly Memorial Concert", "Austrian-Azerbaijani Friendship Circle",
            "Central Vienna (venue to be announced)", ["de", "az"], 300, "concert@aafc.demo.local", true,
            """
            A concert of mugham and chamber music in memory of the victims.
            """,
            State: EventState.Rejected,
            Reason: "The place is not known yet: give the hall and its street address, so that attendees can find it, and send it again. "
                + "The concert is in the evening: it cannot hold the minute of silence, which is at 14:00 in Vienna.",
            BySecondOrganizer: true),
    ];
}
