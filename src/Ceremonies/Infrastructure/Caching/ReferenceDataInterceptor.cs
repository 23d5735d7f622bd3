using System.Runtime.CompilerServices;
using Ceremonies.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Ceremonies.Infrastructure.Caching;

// A change saved through this process clears the cache as soon as it is saved, so the next request
// here sees it without waiting for the notification (which still reaches the other processes).
internal sealed class ReferenceDataInterceptor(ReferenceCache cache) : SaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, object> _changing = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Note(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Note(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Done(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Done(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Done(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Done(eventData.Context);
        return Task.CompletedTask;
    }

    // Any tracked venue, hall or membership counts, changed or not: asking for the entries' states
    // would run change detection here and then again in SaveChanges, on every save (bookings
    // included). An extra clear after a save that only read one costs a reload, nothing more.
    private void Note(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        var tracker = context.ChangeTracker;
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            if (tracker.Entries<IReferenceData>().Any())
            {
                _changing.AddOrUpdate(context, this);
            }
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detect;
        }
    }

    private void Done(DbContext? context)
    {
        if (context is not null && _changing.Remove(context))
        {
            cache.Clear();
        }
    }
}
