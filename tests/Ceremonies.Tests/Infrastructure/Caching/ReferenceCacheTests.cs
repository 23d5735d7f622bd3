using Ceremonies.Infrastructure.Caching;

namespace Ceremonies.Tests.Infrastructure.Caching;

public sealed class ReferenceCacheTests
{
    private int _loads;

    private Task<string> Load(string value, CancellationToken _)
    {
        Interlocked.Increment(ref _loads);
        return Task.FromResult(value);
    }

    [Fact]
    public async Task WhileNotListeningEveryReadGoesToTheDatabase()
    {
        var cache = new ReferenceCache();

        await cache.GetOrLoadAsync("hall", "first", Load, CancellationToken.None);
        var second = await cache.GetOrLoadAsync("hall", "second", Load, CancellationToken.None);

        Assert.Equal("second", second);
        Assert.Equal(2, _loads);
    }

    [Fact]
    public async Task WhileListeningASecondReadIsServedFromMemoryUntilAClear()
    {
        var cache = new ReferenceCache();
        cache.StartListening();

        await cache.GetOrLoadAsync("hall", "first", Load, CancellationToken.None);
        var remembered = await cache.GetOrLoadAsync("hall", "second", Load, CancellationToken.None);
        cache.Clear();
        var reloaded = await cache.GetOrLoadAsync("hall", "third", Load, CancellationToken.None);

        Assert.Equal("first", remembered);
        Assert.Equal("third", reloaded);
        Assert.Equal(2, _loads);
    }

    [Fact]
    public async Task AValueReadBeforeAClearIsNotKeptAfterIt()
    {
        var cache = new ReferenceCache();
        cache.StartListening();
        var loading = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        // The load reads the old row, a change clears the cache, then the load finishes.
        var stale = cache.GetOrLoadAsync("hall", loading, (l, _) => l.Task, CancellationToken.None);
        cache.Clear();
        loading.SetResult("old");
        Assert.Equal("old", await stale);
        var next = await cache.GetOrLoadAsync("hall", "new", Load, CancellationToken.None);

        Assert.Equal("new", next);
    }

    [Fact]
    public async Task LosingTheListenerForgetsEverythingAndStopsRemembering()
    {
        var cache = new ReferenceCache();
        cache.StartListening();
        await cache.GetOrLoadAsync("hall", "first", Load, CancellationToken.None);

        cache.StopListening();
        var afterLoss = await cache.GetOrLoadAsync("hall", "second", Load, CancellationToken.None);
        var again = await cache.GetOrLoadAsync("hall", "third", Load, CancellationToken.None);

        Assert.Equal("second", afterLoss);
        Assert.Equal("third", again);
        Assert.False(cache.IsListening);
    }
}
