using Ceremonies.Data;
using Npgsql;

namespace Ceremonies.Infrastructure.Caching;

// Listens on the channel the reference-data triggers notify, on a connection of its own, and clears
// the cache at each notification. While it is not listening (starting, or the connection was lost
// and notifications may have been missed) the cache is off and every request reads the database.
internal sealed partial class ReferenceCacheListener(ReferenceCache cache, IConfiguration configuration, ILogger<ReferenceCacheListener> logger)
    : BackgroundService
{
    public const string Channel = "ceremonies_reference_data";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Unpooled and not multiplexed: LISTEN belongs to one session. Keepalives notice a dead connection.
        var connectionString = new NpgsqlConnectionStringBuilder(DataSetup.ConnectionString(configuration))
        {
            Multiplexing = false,
            Pooling = false,
            KeepAlive = 15,
        }.ConnectionString;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += (_, _) => cache.Clear();
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                cache.StartListening();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                LogLost(e);
            }
            finally
            {
                cache.StopListening();
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not listening for reference-data changes; reading them from the database until the connection is back")]
    private partial void LogLost(Exception exception);
}
