using Microsoft.Extensions.Logging;

namespace FlumeNet.Metrics;

/// <summary>
/// Every counter group of the process, by <c>Type.Name</c> (<c>SOURCE.r1</c>). A component registers its group when
/// it is built; registering a group with the same key replaces the old one (as a JMX re-registration does).
/// <see cref="Publish"/> makes the groups of the running configuration the registered set. Thread-safe.
/// </summary>
public sealed class MetricsRegistry
{
    private readonly object _lock = new(); // guards _groups: registration happens on the build thread, reads on the HTTP thread
    private readonly Dictionary<string, CounterGroup> _groups = new(StringComparer.Ordinal);
    private readonly ILogger? _logger;

    /// <param name="loggers">When given, registered groups print Flume's start/stop lines (logger MonitoredCounterGroup).</param>
    public MetricsRegistry(ILoggerFactory? loggers = null)
    {
        _logger = loggers?.CreateLogger("org.apache.flume.instrumentation.MonitoredCounterGroup");
    }

    public T Register<T>(T group)
        where T : CounterGroup
    {
        group.AttachLogger(_logger);
        lock (_lock)
        {
            _groups[Key(group)] = group;
        }

        return group;
    }

    /// <summary>A snapshot of the registered groups, ordered by key.</summary>
    public IReadOnlyList<CounterGroup> Groups()
    {
        lock (_lock)
        {
            return _groups.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToList();
        }
    }

    /// <summary>
    /// Makes <paramref name="live"/> the registered groups: the others are dropped and these (re-)registered, so a
    /// component that a failed or superseded build registered under the same name no longer hides the running one.
    /// </summary>
    public void Publish(IEnumerable<CounterGroup> live)
    {
        var groups = live.ToList();
        lock (_lock)
        {
            _groups.Clear();
            foreach (var g in groups)
            {
                _groups[Key(g)] = g;
            }
        }
    }

    public CounterGroup? Find(string type, string name)
    {
        lock (_lock)
        {
            return _groups.GetValueOrDefault(type + "." + name);
        }
    }

    private static string Key(CounterGroup g) => g.Type + "." + g.Name;
}

/// <summary>A component that keeps a counter group (sources, channels and sinks that Flume counts, and ours).</summary>
public interface IMetered
{
    CounterGroup Counters { get; }
}
