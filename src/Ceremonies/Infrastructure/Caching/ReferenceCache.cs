using System.Collections.Concurrent;

namespace Ceremonies.Infrastructure.Caching;

// Keeps what requests read about venues, halls and memberships, so a booking costs one round trip
// to PostgreSQL instead of two. It is only used while this process listens for changes
// (ReferenceCacheListener); any change anywhere clears all of it.
//
// A load that overlaps a clear must not put back what it read before the change: every clear moves
// the generation on, and a value is kept only if the generation did not move while it was loaded.
public sealed class ReferenceCache
{
    // Far more than the halls × people that book them in a day; past it, start again.
    private const int MaxEntries = 20_000;

    private readonly ConcurrentDictionary<object, object?> _entries = new();
    private long _generation;
    private volatile bool _listening;

    public bool IsListening => _listening;

    public async Task<T> GetOrLoadAsync<TKey, TState, T>(
        TKey key, TState state, Func<TState, CancellationToken, Task<T>> load, CancellationToken cancellationToken)
        where TKey : notnull
    {
        if (_listening && _entries.TryGetValue(key, out var hit))
        {
            return (T)hit!; // stored under this key by this method, with this T
        }
        var generation = Interlocked.Read(ref _generation);
        var value = await load(state, cancellationToken);
        if (_listening && Interlocked.Read(ref _generation) == generation)
        {
            if (_entries.Count >= MaxEntries)
            {
                Clear();
            }
            else
            {
                _entries[key] = value;
                // A clear between the check and the store: take the value out again.
                if (Interlocked.Read(ref _generation) != generation)
                {
                    _entries.TryRemove(new KeyValuePair<object, object?>(key, value));
                }
            }
        }
        return value;
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    // Called by the listener: caching is on only while changes made elsewhere would reach us.
    internal void StartListening()
    {
        Clear();
        _listening = true;
    }

    internal void StopListening()
    {
        _listening = false;
        Clear();
    }
}
