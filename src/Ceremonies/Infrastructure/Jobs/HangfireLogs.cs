using Hangfire.Logging;
using MelLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Ceremonies.Infrastructure.Jobs;

// Hangfire logs through one process-wide provider, set by whichever host configured it last. Where
// several hosts share a process (the test suite starts and stops extra ones), that host's logger
// factory may be disposed while another host still enqueues: Hangfire's own provider then throws.
// This one writes to the factory while it lives and drops the entry once it is gone.
internal sealed class HangfireLogs(ILoggerFactory factory) : ILogProvider
{
    public ILog GetLogger(string name)
    {
        try
        {
            return new Logger(factory.CreateLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return new Logger(null);
        }
    }

    private sealed class Logger(ILogger? logger) : ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            if (logger is null)
            {
                return false;
            }
            var level = logLevel switch
            {
                Hangfire.Logging.LogLevel.Trace => MelLevel.Trace,
                Hangfire.Logging.LogLevel.Debug => MelLevel.Debug,
                Hangfire.Logging.LogLevel.Info => MelLevel.Information,
                Hangfire.Logging.LogLevel.Warn => MelLevel.Warning,
                Hangfire.Logging.LogLevel.Error => MelLevel.Error,
                _ => MelLevel.Critical,
            };
            try
            {
                if (messageFunc is null)
                {
                    return logger.IsEnabled(level); // Hangfire asks whether a level is on this way
                }
                if (!logger.IsEnabled(level))
                {
                    return false;
                }
                // Hangfire hands over finished text, not a template.
                logger.Log(level, default, messageFunc(), exception, static (text, _) => text);
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
