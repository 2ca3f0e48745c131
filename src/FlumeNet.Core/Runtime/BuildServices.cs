using Microsoft.Extensions.Logging;

namespace FlumeNet.Runtime;

/// <summary>What components get from the runtime when they are built.</summary>
public sealed record BuildServices(ILoggerFactory Loggers, TimeProvider Time, IReadOnlyDictionary<string, string> SystemProperties)
{
    public static BuildServices Create(ILoggerFactory loggers) => new(loggers, TimeProvider.System, new Dictionary<string, string>());
}
