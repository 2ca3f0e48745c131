using Microsoft.Extensions.Logging;

namespace FlumeNet.Metrics;

/// <summary>
/// One component's counters, as Flume's MonitoredCounterGroup: a type (<c>SOURCE</c>, <c>CHANNEL</c>, <c>SINK</c>),
/// the component's name, named long counters, and start/stop times. Counters are updated with interlocked adds from
/// any thread (components add per batch, not per event, where they can); readers see each value atomically.
/// <see cref="Start"/> resets every counter, as Flume does on every component start. Once registered with a
/// <see cref="MetricsRegistry"/> that has loggers, start and stop print Flume's MonitoredCounterGroup lines.
/// </summary>
public abstract class CounterGroup
{
    private readonly long[] _values;
    private readonly TimeProvider _time;
    private long _startTime;
    private long _stopTime;
    private ILogger? _logger;
    private int _announced;

    protected CounterGroup(string type, string name, IReadOnlyList<CounterDefinition> counters, TimeProvider? time)
    {
        Type = type;
        Name = name;
        Counters = counters;
        _values = new long[counters.Count];
        _time = time ?? TimeProvider.System;
    }

    /// <summary><c>SOURCE</c>, <c>CHANNEL</c> or <c>SINK</c>: the prefix of the JSON member (<c>SOURCE.r1</c>).</summary>
    public string Type { get; }

    public string Name { get; }

    /// <summary>The counters in a fixed order: Flume's attribute name and its internal (shutdown log) key.</summary>
    public IReadOnlyList<CounterDefinition> Counters { get; }

    /// <summary>Epoch milliseconds of the last start (0 before the first).</summary>
    public long StartTime => Interlocked.Read(ref _startTime);

    /// <summary>Epoch milliseconds of the last stop; 0 while running.</summary>
    public long StopTime => Interlocked.Read(ref _stopTime);

    /// <summary>Resets every counter and records the start time (Flume resets on every start).</summary>
    public void Start()
    {
        for (var i = 0; i < _values.Length; i++)
        {
            Interlocked.Exchange(ref _values[i], 0);
        }

        Interlocked.Exchange(ref _stopTime, 0);
        Interlocked.Exchange(ref _startTime, _time.GetUtcNow().ToUnixTimeMilliseconds());
        var logger = _logger;
        if (logger is not null && logger.IsEnabled(LogLevel.Information))
        {
            if (Interlocked.Exchange(ref _announced, 1) == 0)
            {
                logger.LogInformation("Monitored counter group for type: {Type}, name: {Name}: Successfully registered new MBean.", Type, Name);
            }

            logger.LogInformation("Component type: {Type}, name: {Name} started", Type, Name);
        }
    }

    /// <summary>
    /// Records the stop time; the values stay readable. Logs Flume's shutdown lines: start and stop time, then
    /// every counter by internal key in alphabetical order.
    /// </summary>
    public void Stop()
    {
        Interlocked.Exchange(ref _stopTime, _time.GetUtcNow().ToUnixTimeMilliseconds());
        var logger = _logger;
        if (logger is null || !logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var kind = Type.ToLowerInvariant();
        logger.LogInformation("Component type: {Type}, name: {Name} stopped", Type, Name);
        logger.LogInformation("Shutdown Metric for type: {Type}, name: {Name}. {Key} == {Value}", Type, Name, kind + ".start.time", StartTime);
        logger.LogInformation("Shutdown Metric for type: {Type}, name: {Name}. {Key} == {Value}", Type, Name, kind + ".stop.time", StopTime);
        foreach (var (key, value) in ShutdownMetrics())
        {
            logger.LogInformation("Shutdown Metric for type: {Type}, name: {Name}. {Key} == {Value}", Type, Name, key, value);
        }
    }

    /// <summary>Every counter by internal key, sorted as Flume's shutdown lines are.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ShutdownMetrics() =>
        Enumerable.Range(0, Counters.Count)
            .Select(i => new KeyValuePair<string, long>(Counters[i].InternalKey, Get(i)))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToList();

    /// <summary>The value of counter <paramref name="index"/> (an index into <see cref="Counters"/>).</summary>
    public long Get(int index) => Interlocked.Read(ref _values[index]);

    /// <summary>The value of the counter with Flume attribute name <paramref name="attribute"/>.</summary>
    public long Get(string attribute)
    {
        for (var i = 0; i < Counters.Count; i++)
        {
            if (Counters[i].Attribute == attribute)
            {
                return Get(i);
            }
        }

        throw new KeyNotFoundException($"{Type}.{Name} has no counter {attribute}");
    }

    /// <summary>
    /// Every attribute as Flume's JSON server shows it (name → value), counters first, then the group's own extra
    /// attributes (<see cref="ExtraAttributes"/>), then <c>StartTime</c>, <c>StopTime</c>, <c>Type</c>.
    /// Values are raw (long, double, bool); formatting is the reader's business.
    /// </summary>
    public IEnumerable<KeyValuePair<string, object>> Attributes()
    {
        for (var i = 0; i < Counters.Count; i++)
        {
            yield return new(Counters[i].Attribute, Get(i));
        }

        foreach (var extra in ExtraAttributes())
        {
            yield return extra;
        }

        yield return new("StartTime", StartTime);
        yield return new("StopTime", StopTime);
        yield return new("Type", Type);
    }

    /// <summary>Flume's inline form <c>SINK:k1{sink.batch.empty=3, …}</c> (internal keys in Java hash order).</summary>
    public override string ToString()
    {
        var values = Enumerable.Range(0, Counters.Count).ToDictionary(i => Counters[i].InternalKey, Get, StringComparer.Ordinal);
        var pairs = Configuration.JavaHashOrder.Order(values.Keys).Select(k => k + "=" + values[k].ToString(System.Globalization.CultureInfo.InvariantCulture));
        return $"{Type}:{Name}{{{string.Join(", ", pairs)}}}";
    }

    /// <summary>Where start and stop print their lines; set by <see cref="MetricsRegistry.Register{T}"/>.</summary>
    internal void AttachLogger(ILogger? logger) => _logger ??= logger;

    protected long Add(int index, long delta) => Interlocked.Add(ref _values[index], delta);

    protected void Set(int index, long value) => Interlocked.Exchange(ref _values[index], value);

    /// <summary>Attributes that are not plain counters (a channel's fill percentage, a file channel's Open flag).</summary>
    protected virtual IEnumerable<KeyValuePair<string, object>> ExtraAttributes() => Array.Empty<KeyValuePair<string, object>>();
}

/// <summary>A counter's Flume attribute name (JSON key) and internal key (shutdown log line).</summary>
public sealed record CounterDefinition(string Attribute, string InternalKey);
