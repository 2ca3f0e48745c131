using System.Globalization;
using FlumeNet.Configuration;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Processors;

/// <summary>A sink's place in a failover group: its priority and whether it was assigned automatically.</summary>
internal sealed record FailoverPriority(string Sink, int Priority, bool Automatic);

/// <summary>The validated keys of a failover processor.</summary>
/// <param name="MaxPenaltyMs">Cap of a failed sink's penalty (<c>processor.maxpenalty</c>, default 30000 ms).</param>
/// <param name="Priorities">The sinks the processor uses, in config order, each with a distinct priority.</param>
internal sealed record FailoverSettings(int MaxPenaltyMs, IReadOnlyList<FailoverPriority> Priorities);

/// <summary>
/// Flume's <c>failover</c> sink processor (<c>org.apache.flume.sink.FailoverSinkProcessor</c>,
/// sink-processors.md §3): the live sink with the highest priority gets every batch; a sink that throws is
/// parked with an exponential penalty and the next sink takes the same batch in the same call; a parked
/// sink whose penalty has expired is retried and goes back to the live set when it delivers.
/// </summary>
/// <remarks>
/// <para>Threading: <see cref="ProcessAsync"/> is called by one runner at a time; the live and failed sets are
/// touched only there. Probes run on the thread pool and only complete their own task.</para>
/// <para>Deliberate differences from Flume 1.11 (for docs/compatibility.md):</para>
/// <list type="number">
/// <item>Sinks without a priority are numbered in the order of the group's <c>sinks</c> list (first −1,
/// next −2, …), and the processor's sink order is that list, not Java hash order.</item>
/// <item>Two sinks with the same priority (explicit, or an explicit negative colliding with an automatic
/// one) are a configuration error naming both sinks, and the group is dropped; Flume silently never uses
/// the second sink (WARN "…priorityduplicates…").</item>
/// <item>The penalty min(maxpenalty, 2^n × 1000 ms) is computed without overflow for any n. Flume computes
/// it in 32-bit arithmetic: from 22 consecutive failures on, the penalty becomes ≤ 0 and the sink is retried
/// in bursts within one call. A negative <c>maxpenalty</c> is warned about and treated as 0 (Flume busy-
/// retries within the call); each parked sink is retried at most once per call.</item>
/// <item>Configuration problems Flume ignores are warnings: a non-numeric <c>maxpenalty</c> (Flume warns
/// too), a non-integer priority such as <c>10 # primary</c> (Flume silently assigns an automatic priority),
/// a <c>priority.&lt;x&gt;</c> key where x is not a sink of the group (suggesting <c>processor.maxpenalty</c> for
/// <c>priority.maxpenality</c>, or the nearest sink), and unknown processor keys (with suggestions).</item>
/// <item>A parked sink that implements <see cref="IProbeableSink"/> is probed off the delivery path when its
/// retry is due: while the probe runs or after it fails, batches keep going through the active sink; a
/// failed probe counts as a failed retry (n + 1, new retry time); only after a successful probe does the
/// sink get real traffic. Flume retries with a real batch in line, so a silent peer stalls the whole group
/// for the connect timeout. When no sink is live there is nothing to protect, so the probe is awaited in
/// the call (all due probes run in parallel).</item>
/// <item>A retried sink that returns BACKOFF keeps its slot (same n, same retry time; Flume semantics) but
/// the call then goes on to the active sink instead of returning at once, so a group whose sinks read
/// different channels does not starve; with no live sink the BACKOFF is returned, as in Flume.</item>
/// <item>Recovery is logged at INFO (<c>Sink k1 was recovered from the fail list</c>); Flume logs it at DEBUG.
/// The failover WARN carries the exception messages instead of a stack trace (a peer that is down is not
/// a bug).</item>
/// <item>A retry is due when its time has come (<c>retryAt ≤ now</c>); Flume requires <c>retryAt &lt; now</c>.</item>
/// </list>
/// </remarks>
internal sealed class FailoverSinkProcessor : SinkProcessorBase, FlumeNet.Runtime.IRetryHint
{
    public const string AllFailedMessage = "All sinks failed to process, nothing left to failover to";
    public const int DefaultMaxPenaltyMs = 30000;

    private const string MaxPenaltyKey = "maxpenalty";
    private const string PriorityPrefix = "priority.";

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxPenaltyMs;

    // Live sinks by priority, highest first (index 0 = active). Runner thread only.
    private readonly SortedList<int, ISink> _live = new(Comparer<int>.Create((a, b) => b.CompareTo(a)));

    // Parked sinks ordered by retry time, earliest first (ties: parked first). Runner thread only.
    private readonly List<FailedSink> _failed = [];

    // Cancels running probes when the processor stops; replaced on restart. Start/Stop only.
    private CancellationTokenSource _probeCts = new();

    public FailoverSinkProcessor(string groupName, IReadOnlyList<ISink> sinks, ComponentContext processorContext, TimeProvider time, ILogger logger)
        : this(groupName, sinks, BuildOrThrow(groupName, sinks, processorContext), time, logger)
    {
    }

    public FailoverSinkProcessor(string groupName, IReadOnlyList<ISink> sinks, FailoverSettings settings, TimeProvider time, ILogger logger)
        : base(groupName, sinks)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _time = time;
        _logger = logger;
        _maxPenaltyMs = Math.Max(0, settings.MaxPenaltyMs);
        var byName = new Dictionary<string, ISink>(StringComparer.Ordinal);
        foreach (var sink in sinks)
        {
            byName.TryAdd(sink.Name, sink);
        }

        foreach (var p in settings.Priorities)
        {
            if (byName.TryGetValue(p.Sink, out var sink) && !_live.ContainsKey(p.Priority))
            {
                _live.Add(p.Priority, sink);
            }
        }
    }

    /// <summary>The sink that gets the next batch, or null when every sink is parked.</summary>
    internal ISink? ActiveSink => _live.Count > 0 ? _live.Values[0] : null;

    /// <summary>The parked sinks in retry order: name, consecutive failures, retry time.</summary>
    internal IReadOnlyList<(string Sink, int Failures, DateTimeOffset RetryAt)> FailedSinks =>
        _failed.Select(e => (e.Sink.Name, e.Failures, e.RetryAt)).ToArray();

    internal int MaxPenaltyMs => _maxPenaltyMs;

    /// <summary>Time until the earliest parked sink is due (read by the runner, on the runner's thread).</summary>
    public TimeSpan? TimeUntilNextRetry
    {
        get
        {
            if (_failed.Count == 0)
            {
                return null;
            }

            var due = _failed.Min(e => e.RetryAt) - _time.GetUtcNow();
            return due < TimeSpan.Zero ? TimeSpan.Zero : due;
        }
    }

    /// <summary>Completes when every probe started so far has finished (tests wait on it instead of sleeping).</summary>
    internal Task WhenProbesSettledAsync() =>
        Task.WhenAll(_failed.Select(e => e.Probe).OfType<Task<ProbeOutcome>>());

    /// <summary>
    /// Reads and checks the processor keys (relative to <c>processor.</c>): <c>maxpenalty</c>,
    /// <c>priority.&lt;sink&gt;</c>. Problems go into <paramref name="ctx"/>; an error means the group is dropped.
    /// </summary>
    public static FailoverSettings Validate(string groupName, IReadOnlyList<string> sinkNames, ComponentContext ctx)
    {
        ArgumentNullException.ThrowIfNull(sinkNames);
        ArgumentNullException.ThrowIfNull(ctx);

        var maxPenaltyText = ctx.GetString(MaxPenaltyKey);
        var maxPenalty = ctx.GetIntOrDefault(MaxPenaltyKey, DefaultMaxPenaltyMs);
        if (maxPenalty < 0)
        {
            ctx.Warn(MaxPenaltyKey, $"'{maxPenaltyText}' is negative; using 0, a failed sink is retried at the next call (Flume would retry it in a busy loop)");
            maxPenalty = 0;
        }

        var priorityTexts = ctx.GetSubProperties(PriorityPrefix);
        var names = new HashSet<string>(sinkNames, StringComparer.Ordinal);
        var next = 0;
        var result = new List<FailoverPriority>();
        var byPriority = new Dictionary<int, FailoverPriority>();
        foreach (var name in sinkNames)
        {
            FailoverPriority entry;
            if (priorityTexts.TryGetValue(name, out var text)
                && int.TryParse(ComponentContext.JavaTrim(text), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var explicitPriority))
            {
                entry = new FailoverPriority(name, explicitPriority, Automatic: false);
            }
            else
            {
                next--;
                entry = new FailoverPriority(name, next, Automatic: true);
                if (text is not null)
                {
                    ctx.Warn(
                        PriorityPrefix + name,
                        $"'{text}' is not a valid integer; sink {name} gets the automatic priority {next}, as in Flume{ComponentContext.HashHint(text)}");
                }
            }

            if (byPriority.TryGetValue(entry.Priority, out var other))
            {
                ctx.Error(
                    PriorityPrefix + name,
                    $"sink {name} has the {Describe(entry)} priority {entry.Priority}, the same as sink {other.Sink} ({Describe(other)}); "
                    + $"the sinks of failover group {groupName} need distinct priorities (Flume would silently never use {name})");
                continue;
            }

            byPriority.Add(entry.Priority, entry);
            result.Add(entry);
        }

        foreach (var key in priorityTexts.Keys.Where(k => !names.Contains(k) && !ctx.AskedKeys.Contains(PriorityPrefix + k)).OrderBy(k => k, StringComparer.Ordinal))
        {
            var fullKeyHint = PriorityPrefix + key;
            string hint;
            var distance = ProcessorConfig.Levenshtein(key, MaxPenaltyKey);
            if (ProcessorConfig.IsClose(key, MaxPenaltyKey, distance))
            {
                var effect = maxPenaltyText is null
                    ? $"the penalty cap stays at its default {DefaultMaxPenaltyMs} ms, as in Flume"
                    : "the key is ignored, as in Flume";
                hint = $"did you mean processor.{MaxPenaltyKey}? {effect}";
            }
            else if (ProcessorConfig.Nearest(key, sinkNames) is { } sink)
            {
                hint = $"did you mean processor.{PriorityPrefix}{sink}? the key is ignored, as in Flume";
            }
            else
            {
                hint = $"the sinks of {groupName} are {string.Join(" ", sinkNames)}; the key is ignored, as in Flume";
            }

            ctx.Warn(fullKeyHint, $"names no sink of {groupName} ({hint})");
        }

        ProcessorConfig.WarnUnknownKeys(ctx, "failover", sinkNames.Select(n => PriorityPrefix + n).Prepend(MaxPenaltyKey));
        return new FailoverSettings(maxPenalty, result);

        static string Describe(FailoverPriority p) => p.Automatic ? "automatic" : "configured";
    }

    /// <summary>min(maxPenalty, 2^failures × 1000) ms, without overflow for any number of failures.</summary>
    internal static long PenaltyMs(int failures, int maxPenaltyMs)
    {
        if (maxPenaltyMs <= 0)
        {
            return 0;
        }

        // 1000 × 2^31 already exceeds int.MaxValue, the largest possible cap.
        return failures >= 31 ? maxPenaltyMs : Math.Min(maxPenaltyMs, 1000L << Math.Max(0, failures));
    }

    public override async ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        SinkStatus? retryAnswer = null;
        var now = _time.GetUtcNow();

        // 1. Retry the due sinks, earliest retry time first; each at most once per call.
        var due = _failed.Where(e => e.RetryAt <= now).ToArray();
        var nothingLive = _live.Count == 0;
        if (nothingLive)
        {
            // Nobody is delivering, so there is nothing to protect: probe every due sink at once.
            foreach (var entry in due)
            {
                if (entry.Sink is IProbeableSink probeable && !entry.ProbeOk && entry.Probe is null)
                {
                    StartProbe(entry, probeable);
                }
            }
        }

        foreach (var entry in due)
        {
            if (entry.Sink is IProbeableSink probeable && !entry.ProbeOk)
            {
                if (entry.Probe is null)
                {
                    StartProbe(entry, probeable);
                }

                var probe = entry.Probe!;
                if (nothingLive && !probe.IsCompleted)
                {
                    await probe.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                if (!probe.IsCompleted)
                {
                    continue; // still probing: keep delivering through the active sink
                }

                var outcome = await probe.ConfigureAwait(false);
                entry.Probe = null;
                if (!outcome.Ok)
                {
                    Repark(entry);
                    ProcessorLog.ProbeFailed(_logger, entry.Sink.Name, entry.Failures, PenaltyMs(entry.Failures, _maxPenaltyMs), outcome.Reason);
                    continue;
                }

                ProcessorLog.ProbeSucceeded(_logger, entry.Sink.Name);
                entry.ProbeOk = true;
            }

            SinkStatus status;
            try
            {
                status = await entry.Sink.ProcessAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
            {
                Repark(entry);
                ProcessorLog.RetryFailed(_logger, entry.Sink.Name, entry.Failures, PenaltyMs(entry.Failures, _maxPenaltyMs), ProcessorLog.Describe(ex));
                continue;
            }

            if (status == SinkStatus.Ready)
            {
                _failed.Remove(entry);
                _live[entry.Priority] = entry.Sink;
                ProcessorLog.SinkRecovered(_logger, entry.Sink.Name);
                return SinkStatus.Ready;
            }

            // Nothing to send: it keeps its slot (same n, same retry time) and is retried first next call.
            ProcessorLog.RetryBackoff(_logger, entry.Sink.Name);
            retryAnswer = status;
            break;
        }

        // 2. The active sink, failing over to the next live one within the same call.
        while (_live.Count > 0)
        {
            var priority = _live.Keys[0];
            var sink = _live.Values[0];
            try
            {
                return await sink.ProcessAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
            {
                _live.RemoveAt(0);
                var entry = new FailedSink(sink, priority);
                Repark(entry);
                ProcessorLog.SinkFailedOver(_logger, sink.Name, ProcessorLog.Describe(ex));
            }
        }

        if (retryAnswer is { } answer)
        {
            return answer;
        }

        throw new EventDeliveryException(AllFailedMessage);
    }

    protected override void OnStarted()
    {
        if (_probeCts.IsCancellationRequested)
        {
            _probeCts.Dispose();
            _probeCts = new CancellationTokenSource();
        }
    }

    protected override void OnStopping()
    {
        _probeCts.Cancel();
        foreach (var entry in _failed)
        {
            entry.Probe = null;
            entry.ProbeOk = false;
        }
    }

    private static FailoverSettings BuildOrThrow(string groupName, IReadOnlyList<ISink> sinks, ComponentContext ctx) =>
        ProcessorConfig.ValidateOrThrow(sinks, ctx, names => Validate(groupName, names, ctx));

    private static bool IsCancellation(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested;

    private void StartProbe(FailedSink entry, IProbeableSink sink)
    {
        ProcessorLog.ProbeStarted(_logger, sink.Name);
        var token = _probeCts.Token;

        // Task.Run: even a probe that blocks synchronously stays off the delivery path.
        entry.Probe = Task.Run(async () =>
        {
            try
            {
                return await sink.ProbeAsync(token).ConfigureAwait(false)
                    ? ProbeOutcome.Success
                    : new ProbeOutcome(false, "the probe found the sink unable to deliver");
            }
            catch (Exception ex)
            {
                return new ProbeOutcome(false, ProcessorLog.Describe(ex));
            }
        });
    }

    /// <summary>Counts one more failure and (re)inserts the entry at its new retry time.</summary>
    private void Repark(FailedSink entry)
    {
        _failed.Remove(entry);
        entry.Failures = entry.Failures == int.MaxValue ? int.MaxValue : entry.Failures + 1;
        entry.ProbeOk = false;
        entry.Probe = null;
        entry.RetryAt = _time.GetUtcNow() + TimeSpan.FromMilliseconds(PenaltyMs(entry.Failures, _maxPenaltyMs));
        var index = _failed.FindIndex(e => e.RetryAt > entry.RetryAt);
        _failed.Insert(index < 0 ? _failed.Count : index, entry);
    }

    private sealed record ProbeOutcome(bool Ok, string Reason)
    {
        public static readonly ProbeOutcome Success = new(true, string.Empty);
    }

    /// <summary>A parked sink. Runner thread only (the probe task writes nothing here).</summary>
    private sealed class FailedSink(ISink sink, int priority)
    {
        public ISink Sink { get; } = sink;

        public int Priority { get; } = priority;

        /// <summary>Consecutive failures (n); 0 until first parked.</summary>
        public int Failures { get; set; }

        public DateTimeOffset RetryAt { get; set; }

        /// <summary>The background probe, while one is running or its result is not yet read.</summary>
        public Task<ProbeOutcome>? Probe { get; set; }

        /// <summary>A probe succeeded and no failure has happened since: retry with real traffic directly.</summary>
        public bool ProbeOk { get; set; }
    }
}
