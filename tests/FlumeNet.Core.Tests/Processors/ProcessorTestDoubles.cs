using FlumeNet.Configuration;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Core.Tests.Processors;

/// <summary>What a scripted sink does on its next ProcessAsync.</summary>
internal enum SinkScript
{
    Ready,
    Backoff,
    Fail,
}

/// <summary>
/// A test double for sink behaviour: returns READY/BACKOFF or throws as scripted, counts calls and
/// appends its name to a shared call log.
/// </summary>
internal class ScriptedSink(string name, List<string>? callLog = null) : ISink
{
    public string Name { get; } = name;

    public LifecycleState State { get; private set; } = LifecycleState.Idle;

    public IChannel Channel { get; } = new NullChannel();

    public SinkScript Script { get; set; } = SinkScript.Ready;

    public int Calls { get; private set; }

    public int Starts { get; private set; }

    public int Stops { get; private set; }

    public List<string> CallLog { get; } = callLog ?? [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Starts++;
        CallLog.Add("start " + Name);
        State = LifecycleState.Start;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Stops++;
        CallLog.Add("stop " + Name);
        State = LifecycleState.Stop;
        return Task.CompletedTask;
    }

    public ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        Calls++;
        CallLog.Add(Name);
        return Script switch
        {
            SinkScript.Ready => ValueTask.FromResult(SinkStatus.Ready),
            SinkScript.Backoff => ValueTask.FromResult(SinkStatus.Backoff),
            _ => throw new EventDeliveryException("Failed to send events", new IOException($"Connection refused ({Name})")),
        };
    }
}

/// <summary>A scripted sink that can be probed; each probe's answer is a task the test completes.</summary>
internal sealed class ProbeableScriptedSink(string name, List<string>? callLog = null) : ScriptedSink(name, callLog), IProbeableSink
{
    private TaskCompletionSource<bool> _probe = NewSource();

    public int Probes { get; private set; }

    /// <summary>When set, probes answer at once with this value instead of waiting for <see cref="CompleteProbe"/>.</summary>
    public bool? ImmediateProbeResult { get; set; }

    public async ValueTask<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        Probes++;
        if (ImmediateProbeResult is { } r)
        {
            return r;
        }

        return await _probe.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Answers the pending probe; the next probe waits again.</summary>
    public void CompleteProbe(bool result)
    {
        var source = _probe;
        _probe = NewSource();
        source.SetResult(result);
    }

    public void FailProbe(Exception ex)
    {
        var source = _probe;
        _probe = NewSource();
        source.SetException(ex);
    }

    private static TaskCompletionSource<bool> NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal sealed class NullChannel : IChannel
{
    public string Name => "c1";

    public LifecycleState State => LifecycleState.Start;

    public ITransaction BeginTransaction() => throw new NotSupportedException();

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask WaitForEventsAsync(TimeSpan timeout, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Collects formatted log lines ("LEVEL text", plus " | exception: …" when one was logged).</summary>
internal sealed class ListLogger : ILogger, ILoggerFactory, ILoggerProvider
{
    private readonly object _gate = new();
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return _lines.ToArray();
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate)
        {
            _lines.Add($"{logLevel} {formatter(state, exception)}" + (exception is null ? string.Empty : $" | exception: {exception}"));
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}

internal static class TestConfig
{
    public const string Prefix = "a1.sinkgroups.g1.processor.";

    public static ComponentContext Context(params (string Key, string Value)[] keys) =>
        new("g1", Prefix, keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal));

    public static IEnumerable<ConfigProblem> Warnings(ComponentContext ctx) => ctx.Problems.Where(p => p.Severity == ProblemSeverity.Warning);

    public static IEnumerable<ConfigProblem> Errors(ComponentContext ctx) => ctx.Problems.Where(p => p.Severity != ProblemSeverity.Warning);
}
