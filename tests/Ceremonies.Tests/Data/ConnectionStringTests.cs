using Ceremonies.Data;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Ceremonies.Tests.Data;

public sealed class ConnectionStringTests
{
    private static IConfiguration Configured(string connectionString) => new ConfigurationBuilder()
        .AddInMemoryCollection([new($"ConnectionStrings:{DataSetup.ConnectionName}", connectionString)])
        .Build();

    private static NpgsqlConnectionStringBuilder AppConnection(string connectionString) =>
        new(DataSetup.AppConnectionString(Configured(connectionString)));

    // ops/bench/bookings: with a pool of 200 (Npgsql's default is 100), a short stall at 1,000
    // bookings/s opened some 80 connections one after another, each holding up every multiplexed
    // command while it opened.
    [Fact]
    public void AMultiplexedPoolIsCappedAndNotPrunedUnlessTheConnectionStringSizesIt()
    {
        var capped = AppConnection("Host=db;Database=c;Multiplexing=true");
        Assert.Equal(DataSetup.MultiplexedPoolSize, capped.MaxPoolSize);
        Assert.Equal(DataSetup.MultiplexedPoolSize, capped.MinPoolSize);

        var sized = AppConnection("Host=db;Database=c;Multiplexing=true;Maximum Pool Size=40");
        Assert.Equal(40, sized.MaxPoolSize);
        Assert.Equal(0, sized.MinPoolSize);

        var bySynonym = AppConnection("Host=db;Database=c;Multiplexing=true;MaxPoolSize=40");
        Assert.Equal(40, bySynonym.MaxPoolSize);

        var kept = AppConnection("Host=db;Database=c;Multiplexing=true;Minimum Pool Size=2");
        Assert.Equal(DataSetup.MultiplexedPoolSize, kept.MaxPoolSize);
        Assert.Equal(2, kept.MinPoolSize);

        // Npgsql refuses a minimum above the maximum, so a larger minimum raises the cap with it.
        var large = AppConnection("Host=db;Database=c;Multiplexing=true;Minimum Pool Size=20");
        Assert.Equal(20, large.MaxPoolSize);
        Assert.Equal(20, large.MinPoolSize);
        using var source = NpgsqlDataSource.Create(large.ConnectionString);
    }

    // Npgsql prepares statements only where told how many to keep; a connection string that says
    // nothing gets 64, one that names the setting keeps its own (0 turns it off).
    [Fact]
    public void AutoPrepareIsOnUnlessTheConnectionStringSaysOtherwise()
    {
        Assert.Equal(64, AppConnection("Host=db;Database=c").MaxAutoPrepare);
        Assert.Equal(0, AppConnection("Host=db;Database=c;Max Auto Prepare=0").MaxAutoPrepare);
        Assert.Equal(10, AppConnection("Host=db;Database=c;MaxAutoPrepare=10").MaxAutoPrepare);
    }

    [Fact]
    public void APlainPoolKeepsNpgsqlsPoolSizes()
    {
        var plain = AppConnection("Host=db;Database=c");

        Assert.Equal(new NpgsqlConnectionStringBuilder().MaxPoolSize, plain.MaxPoolSize);
        Assert.Equal(0, plain.MinPoolSize);
    }

    // The scheduler's store, the key store, the listener and migrations derive plain connections
    // from the base string: the multiplexed pool's sizes are not theirs.
    [Fact]
    public void TheBaseConnectionStringLeavesPoolSizesAlone()
    {
        var derived = new NpgsqlConnectionStringBuilder(DataSetup.ConnectionString(Configured("Host=db;Database=c;Multiplexing=true")));

        Assert.Equal(new NpgsqlConnectionStringBuilder().MaxPoolSize, derived.MaxPoolSize);
        Assert.Equal(0, derived.MinPoolSize);
        Assert.Equal(64, derived.MaxAutoPrepare);
    }
}
