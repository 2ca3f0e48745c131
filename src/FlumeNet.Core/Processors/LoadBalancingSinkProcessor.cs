using FlumeNet.Configuration;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Processors;

/// <summary>How a load-balancing group orders its sinks for each batch.</summary>
internal enum LoadBalancingSelector
{
    /// <summary>Rotate through the sinks, one step per batch (the default).</summary>
    RoundRobin,

    /// <summary>A uniformly random order per batch.</summary>
    Random,
}

/// <summary>The validated keys of a load-balancing processor.</summary>
/// <param name="Selector"><c>processor.selector</c>, default round_robin.</param>
/// <param name="Backoff"><c>processor.backoff</c>, default false: exclude failed sinks for a while.</param>
/// <param name="MaxTimeOutMs"><c>processor.selector.maxTimeOut</c>, default 30000 ms: cap of the exclusion.</param>
internal sealed record LoadBalancingSettings(LoadBalancingSelector Selector, bool Backoff, long MaxTimeOutMs);

/// <summary>
/// Flume's <c>load_balance</c> sink processor (<c>org.apache.flume.sink.LoadBalancingSinkProcessor</c>,
/// sink-processors.md §4): each call picks an order of the available sinks (round robin or random) and
/// gives one batch to the first sink that does not throw; with backoff, a failed sink is excluded for
/// min(maxTimeOut, 2^n × 1000) ms.
/// </summary>
/// <remarks>
/// <para>Threading: <see cref="ProcessAsync"/> is called by one runner at a time; all state is touched only there.</para>
/// <para>Deliberate differences from Flume 1.11 (for docs/compatibility.md):</para>
/// <list type="number">
/// <item>The round-robin order is the group's <c>sinks</c> list order, not Java hash order of the names.</item>
/// <item>With <c>random</c> and no available sink, the call throws <c>EventDeliveryException: All configured sinks
/// have failed</c> like round robin; Java throws IllegalArgumentException (same runner outcome).</item>
/// <item>The failure WARN names the sink and carries the exception messages instead of a stack trace.</item>
/// <item>Custom selector classes are not supported (configuration error), nor are unknown selector names (error
/// with a suggestion; Flume fails to load them as classes, which also drops the group). Unknown processor keys
/// are warnings with suggestions.</item>
/// </list>
/// </remarks>
internal sealed class LoadBalancingSinkProcessor : SinkProcessorBase
{
    public const string AllFailedMessage = "All configured sinks have failed";
    public const string SingleSinkMessage = "The LoadBalancingSinkProcessor cannot be used for a single sink. Please configure more than one sinks and try again.";
    public const long DefaultMaxTimeOutMs = 30000;

    private const string SelectorKey = "selector";
    private const string BackoffKey = "backoff";
    private const string MaxTimeOutKey = "selector.maxTimeOut";
    private const long SequentialRangeMs = 3_600_000; // failures within an hour of the last exclusion are sequential
    private const int MaxExponent = 16;

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LoadBalancingSettings _settings;
    private readonly Random _random;

    // Per-sink backoff state, same index as Sinks. Runner thread only.
    private readonly FailureState[] _states;

    // Round-robin position in the list of available sinks. Runner thread only.
    private int _nextHead;

    public LoadBalancingSinkProcessor(string groupName, IReadOnlyList<ISink> sinks, ComponentContext processorContext, TimeProvider time, ILogger logger)
        : this(groupName, sinks, BuildOrThrow(groupName, sinks, processorContext), time, logger)
    {
    }

    public LoadBalancingSinkProcessor(string groupName, IReadOnlyList<ISink> sinks, LoadBalancingSettings settings, TimeProvider time, ILogger logger, Random? random = null)
        : base(groupName, sinks)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _settings = settings;
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared;
        _states = Sinks.Select(_ => new FailureState()).ToArray();
    }

    internal LoadBalancingSettings Settings => _settings;

    /// <summary>When the sink at <paramref name="index"/> becomes a candidate again (Unix ms; backoff only).</summary>
    internal long RestoreAtMs(int index) => _states[index].RestoreAt;

    /// <summary>Reads and checks <c>selector</c>, <c>backoff</c>, <c>selector.maxTimeOut</c>; at least two sinks.</summary>
    public static LoadBalancingSettings Validate(string groupName, IReadOnlyList<string> sinkNames, ComponentContext ctx)
    {
        ArgumentNullException.ThrowIfNull(sinkNames);
        ArgumentNullException.ThrowIfNull(ctx);
        if (sinkNames.Count < 2)
        {
            ProcessorConfig.GroupError(ctx, "sinks", $"{SingleSinkMessage} (group {groupName} has {(sinkNames.Count == 0 ? "none" : sinkNames[0])})");
        }

        var selector = LoadBalancingSelector.RoundRobin;
        var selectorText = ctx.GetString(SelectorKey);
        if (selectorText is not null)
        {
            var t = ComponentContext.JavaTrim(selectorText);
            if (t.Equals("round_robin", StringComparison.OrdinalIgnoreCase))
            {
                selector = LoadBalancingSelector.RoundRobin;
            }
            else if (t.Equals("random", StringComparison.OrdinalIgnoreCase))
            {
                selector = LoadBalancingSelector.Random;
            }
            else if (t.Contains('.', StringComparison.Ordinal) && !t.Contains(' ', StringComparison.Ordinal))
            {
                ctx.Error(SelectorKey, $"'{selectorText}': custom sink selector classes are not supported; use round_robin or random");
            }
            else
            {
                var near = ProcessorConfig.Nearest(t, ["round_robin", "random"]);
                var hint = near is null ? "use round_robin or random" : $"did you mean {near}?";
                ctx.Error(SelectorKey, $"'{selectorText}' is not a sink selector ({hint}){ComponentContext.HashHint(selectorText)}");
            }
        }

        var backoff = ctx.GetBool(BackoffKey, false);
        var maxTimeOut = ctx.GetLong(MaxTimeOutKey, DefaultMaxTimeOutMs);
        ProcessorConfig.WarnUnknownKeys(ctx, "load_balance", [SelectorKey, BackoffKey, MaxTimeOutKey]);
        return new LoadBalancingSettings(selector, backoff, maxTimeOut);
    }

    /// <summary>Exclusion after <paramref name="failures"/> sequential failures: min(maxTimeOut, 2^n × 1000) ms.</summary>
    internal static long ExclusionMs(int failures, long maxTimeOutMs) => Math.Min(maxTimeOutMs, 1000L << Math.Clamp(failures, 0, MaxExponent));

    public override async ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        foreach (var index in CandidateOrder())
        {
            var sink = Sinks[index];
            try
            {
                // READY or BACKOFF: the sink did not fail, so it ends the call.
                return await sink.ProcessAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                InformFailure(index);
                ProcessorLog.LoadBalanceSinkFailed(_logger, sink.Name, ProcessorLog.Describe(ex));
            }
        }

        throw new EventDeliveryException(AllFailedMessage);
    }

    private static LoadBalancingSettings BuildOrThrow(string groupName, IReadOnlyList<ISink> sinks, ComponentContext ctx) =>
        ProcessorConfig.ValidateOrThrow(sinks, ctx, names => Validate(groupName, names, ctx));

    /// <summary>The indices of the available sinks in this call's order (Flume's OrderSelector.createIterator).</summary>
    private int[] CandidateOrder()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var available = new List<int>(Sinks.Count);
        for (var i = 0; i < Sinks.Count; i++)
        {
            if (!_settings.Backoff || _states[i].RestoreAt < now)
            {
                available.Add(i);
            }
        }

        var size = available.Count;
        var order = new int[size];
        if (_settings.Selector == LoadBalancingSelector.RoundRobin)
        {
            // The available set may have shrunk since the last call.
            if (_nextHead >= size)
            {
                _nextHead = 0;
            }

            var begin = _nextHead++;
            if (_nextHead == size)
            {
                _nextHead = 0;
            }

            for (var i = 0; i < size; i++)
            {
                order[i] = available[(begin + i) % size];
            }
        }
        else
        {
            available.CopyTo(order);
            _random.Shuffle(order);
        }

        return order;
    }

    /// <summary>Flume's OrderSelector.informFailure: exponential exclusion, capped by maxTimeOut.</summary>
    private void InformFailure(int index)
    {
        if (!_settings.Backoff)
        {
            return;
        }

        var state = _states[index];
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var previous = ExclusionMs(state.SequentialFailures, _settings.MaxTimeOutMs);
        if (now - state.LastFail < previous + SequentialRangeMs)
        {
            state.SequentialFailures = Math.Min(state.SequentialFailures + 1, MaxExponent);
        }
        else
        {
            state.SequentialFailures = 1;
        }

        state.LastFail = now;
        state.RestoreAt = now + ExclusionMs(state.SequentialFailures, _settings.MaxTimeOutMs);
    }

    /// <summary>Backoff bookkeeping of one sink (Unix ms). Runner thread only.</summary>
    private sealed class FailureState
    {
        public long LastFail { get; set; }

        public int SequentialFailures { get; set; }

        public long RestoreAt { get; set; }
    }
}
