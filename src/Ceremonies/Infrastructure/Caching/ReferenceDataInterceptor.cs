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

    private void Note(DbContext? context)
    {
        if (context is not null && context.ChangeTracker.Entries<IReferenceData>().Any(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted))
        {
            _changing.AddOrUpdate(context, this);
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
