namespace Ceremonies.Features.Observances;

public readonly record struct PlannedSignal(Signal Signal, DateTimeOffset DueAt, DateTimeOffset DeadlineAt);

// What a venue is told about its minute of silence and when: a notice ahead (the day before by
// default), "prepare" shortly before, "begin" at T and "end" when the minute is over. Each has a
// deadline after which it is worthless and never sent: the notice once "prepare" is due (which
// supersedes it), "prepare" once the minute begins, "begin" once it has ended, "end" a minute later.
public static class SignalPlan
{
    public static readonly TimeSpan EndGrace = TimeSpan.FromMinutes(1);

    // Planned late (a venue joins an hour before T), a signal whose moment has passed is sent at
    // once if its deadline is still ahead, and left out if not.
    public static IReadOnlyList<PlannedSignal> For(Observance observance, DateTimeOffset beginsAt, DateTimeOffset now)
    {
        var endsAt = beginsAt.AddSeconds(observance.SilenceSeconds);
        PlannedSignal[] all =
        [
            new(Signal.Notice, beginsAt.AddMinutes(-observance.NoticeMinutesBefore), beginsAt.AddMinutes(-observance.PrepareMinutesBefore)),
            new(Signal.Prepare, beginsAt.AddMinutes(-observance.PrepareMinutesBefore), beginsAt),
            new(Signal.Begin, beginsAt, endsAt),
            new(Signal.End, endsAt, endsAt + EndGrace),
        ];
        return [.. all.Where(s => s.DeadlineAt > now).Select(s => s.DueAt < now ? s with { DueAt = now } : s)];
    }
}
