using FlumeNet.Metrics;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Runtime;

/// <summary>What components get from the runtime when they are built.</summary>
public sealed record BuildServices(ILoggerFactory Loggers, TimeProvider Time, IReadOnlyDictionary<string, string> SystemProperties)
{
    /// <summary>Where components register their counter groups (read by the monitoring endpoints).</summary>
    public MetricsRegistry Metrics { get; init; } = new(Loggers);

    public static BuildServices Create(ILoggerFactory loggers) => new(loggers, TimeProvider.System, new Dictionary<string, string>());
}
