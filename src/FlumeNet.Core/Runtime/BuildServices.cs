using FlumeNet.Metrics;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Runtime;

/// <summary>What components get from the runtime when they are built.</summary>
public sealed record BuildServices(ILoggerFactory Loggers, TimeProvider Time, IReadOnlyDictionary<string, string> SystemProperties)
{
    /// <summary>
    /// Where components register their counter groups when they are built (the registry attaches Flume's start/stop log
    /// lines). The monitoring endpoints read the runtime's registry, to which the runtime publishes the groups of the
    /// configuration it starts, so a build that fails or is superseded never shows.
    /// </summary>
    public MetricsRegistry Metrics { get; init; } = new(Loggers);

    public static BuildServices Create(ILoggerFactory loggers) => new(loggers, TimeProvider.System, new Dictionary<string, string>());
}
