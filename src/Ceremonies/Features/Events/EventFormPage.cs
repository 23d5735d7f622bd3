using System.Globalization;
using Ceremonies.Data;
using Ceremonies.Features.Observances;
using Ceremonies.Infrastructure.Time;
using Ceremonies.Infrastructure.Validation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Ceremonies.Features.Events;

// The event form, shared by /events/new and /events/{id}/edit (one partial, _EventForm). The fields
// are read as text and checked by EventActions, the API's own rules, so the page refuses exactly
// what the API refuses; its messages go next to the fields, with what was typed kept.
public abstract class EventFormPage(CeremoniesDb db, TimeProvider clock) : PageModel
{
    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss"];

    public sealed class EventInput
    {
        public string? Title { get; set; }
        public string? OrganizerName { get; set; }
        // As a datetime-local field sends it: "2027-02-26T18:00", local time in TimeZone.
        public string? Start { get; set; }
        public string? End { get; set; }
        public string? TimeZone { get; set; }
        public string? Address { get; set; }
        public string? City { get; set; }
        public string? Country { get; set; }
        public int? Capacity { get; set; }
        public string? Contact { get; set; }
        public string? Description { get; set; }
        // "az, fr": ISO 639 codes, separated by commas or spaces.
        public string? Languages { get; set; }
        public Guid? OccurrenceId { get; set; }
        public bool HoldsSilence { get; set; }
        // The event's version when the form was read; an edit of an older one is refused as stale.
        public uint? Version { get; set; }

        public static EventInput From(CommunityEvent e) => new()
        {
            Title = e.Title, OrganizerName = e.OrganizerName, Start = Local(e.LocalStart), End = Local(e.LocalEnd), TimeZone = e.TimeZone,
            Address = e.Address, City = e.City, Country = e.Country, Capacity = e.Capacity, Contact = e.Contact, Description = e.Description,
            Languages = string.Join(", ", e.Languages), OccurrenceId = e.OccurrenceId, HoldsSilence = e.HoldsSilence, Version = e.Version,
        };

        private static string Local(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
    }

    public sealed record OccurrenceChoice(Guid Id, string Name);

    [BindProperty]
    public EventInput Input { get; set; } = new();

    public IReadOnlyList<OccurrenceChoice> Occurrences { get; private set; } = [];

    // A refusal that is not about one field (the event was changed meanwhile, is withdrawn...).
    public string? Refusal { get; protected set; }

    // The server's answer to "Preview": the start in the event's zone and in UTC.
    public string? Preview { get; private set; }

    public abstract string SubmitLabel { get; }

    // The occurrences an event may belong to: those not yet past.
    protected async Task LoadChoicesAsync(CancellationToken cancellationToken)
    {
        var since = clock.GetUtcNow().AddDays(-1);
        var choices = await db.Occurrences.AsNoTracking().Where(o => o.SilenceAt > since || o.Id == Input.OccurrenceId)
            .Join(db.Observances, o => o.ObservanceId, o => o.Id, (o, observance) => new { o.Id, observance.Name, o.LocalDate, o.SilenceAt })
            .OrderBy(o => o.SilenceAt).Take(200).ToListAsync(cancellationToken);
        Occurrences = [.. choices.Select(o => new OccurrenceChoice(o.Id, $"{o.Name}, {o.LocalDate.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}"))];
    }

    // The request the form stands for, or null with the fields that cannot be read marked in ModelState.
    protected EventRequest? ToRequest()
    {
        var start = ReadLocal(nameof(EventInput.Start), Input.Start, "start");
        var end = ReadLocal(nameof(EventInput.End), Input.End, "end");
        if (!ModelState.IsValid)
        {
            return null;
        }
        var languages = (Input.Languages ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.ToLowerInvariant()).ToList();
        return new EventRequest(
            Input.Title ?? "", Input.OrganizerName ?? "", start, end, Input.TimeZone?.Trim() ?? "", Input.Address ?? "", Input.City ?? "",
            Input.Country?.Trim().ToUpperInvariant() ?? "", Input.Capacity ?? 0, Input.Contact ?? "", Input.Description ?? "", languages,
            Input.OccurrenceId, Input.HoldsSilence);
    }

    // The action's refusal, said on the form: each field's message next to it.
    protected void Show(EventOutcome outcome)
    {
        foreach (var (field, messages) in outcome.Errors ?? new Dictionary<string, string[]>())
        {
            ModelState.AddModelError(field.Length == 0 ? "" : $"Input.{char.ToUpperInvariant(field[0])}{field[1..]}", string.Join(" ", messages));
        }
        Refusal = outcome.Refusal switch
        {
            EventRefusal.Invalid => outcome.Message,
            EventRefusal.Stale => "Someone changed this event since you opened this form, so your changes are not saved. Open the event again to see it as it now is, then make your changes to that.",
            _ => outcome.Message ?? "This event cannot be changed.",
        };
    }

    // "Preview": where the start falls, without saving anything.
    protected void MakePreview()
    {
        ModelState.Clear();
        var zone = IanaTimeZoneAttribute.Canonical(Input.TimeZone?.Trim());
        if (zone is null)
        {
            ModelState.AddModelError("Input.TimeZone", "Choose the event's time zone from the list, such as Europe/Paris.");
            return;
        }
        if (ReadLocal(nameof(EventInput.Start), Input.Start, "start") is not { } start)
        {
            return;
        }
        Preview = ZonedTime.Resolve(start, zone) is { } at
            ? $"The event starts {EventTexts.Moment(at.Local, zone)}, which is {EventTexts.Moment(at.Instant.UtcDateTime, "UTC")}."
            : $"{start.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} does not exist in {zone}: the clocks skip it that night. Choose another time.";
    }

    private DateTime? ReadLocal(string field, string? text, string word)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null; // the request's own rule says it is required
        }
        if (DateTime.TryParseExact(text.Trim(), LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        }
        ModelState.AddModelError($"Input.{field}", $"Give the {word} as a date and a time, such as 2027-02-26T18:00, in the event's zone.");
        return null;
    }
}
