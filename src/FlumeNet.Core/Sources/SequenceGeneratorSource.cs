using System.Globalization;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources;

/// <summary><c>seq</c>: events whose bodies are 0, 1, 2, … (ASCII), <c>batchSize</c> per poll, up to <c>totalEvents</c>.</summary>
internal sealed class SequenceGeneratorSource : SourceBase, IPollableSource, IBatchingComponent, IMetered
{
    private readonly ILogger _logger;
    private readonly long _total;
    private readonly List<Event> _batch;
    private long _next;

    public SequenceGeneratorSource(string name, ChannelProcessor processor, ComponentContext ctx, ILoggerFactory loggers, MetricsRegistry? metrics = null, TimeProvider? time = null)
        : base(name, processor)
    {
        Counters = new SourceCounter(name, time);
        metrics?.Register(Counters);
        _logger = loggers.CreateLogger("org.apache.flume.source.SequenceGeneratorSource");
        ctx.MarkKnown("type", "channels");
        BatchSize = ctx.GetInt("batchSize", 1);
        if (BatchSize < 1)
        {
            ctx.Error("batchSize", $"must be greater than 0 (got {BatchSize})");
        }

        _total = ctx.GetLong("totalEvents", long.MaxValue);
        _batch = new List<Event>(Math.Max(1, BatchSize));
        PollOptions = PollableSourceOptions.FromContext(ctx);
    }

    public string BatchSizeKey => "batchSize";

    public int BatchSize { get; }

    public PollableSourceOptions PollOptions { get; }

    /// <summary>Flume's counts (EventAccepted, AppendBatchAccepted when batchSize &gt; 1, ChannelWriteFail) and EventReceived (ours; Flume leaves it 0).</summary>
    public SourceCounter Counters { get; }

    CounterGroup IMetered.Counters => Counters;

    /// <summary>The decimal digits of <paramref name="i"/> (ASCII), formatted straight into the body: one allocation.</summary>
    internal static byte[] Body(long i)
    {
        Span<byte> digits = stackalloc byte[20];
        i.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
        return digits[..length].ToArray();
    }

    public ValueTask<SourceStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        if (_next >= _total)
        {
            return ValueTask.FromResult(SourceStatus.Backoff);
        }

        if (_batch.Count == 0)
        {
            var n = (int)Math.Min(BatchSize, _total - _next);
            for (long i = _next; i < _next + n; i++)
            {
                _batch.Add(new Event(Body(i)));
            }

            Counters.AddEventReceived(n);
        }

        try
        {
            if (_batch.Count == 1)
            {
                Processor.ProcessEvent(_batch[0]);
            }
            else
            {
                Processor.ProcessEventBatch(_batch);
            }

            if (BatchSize > 1)
            {
                Counters.AddAppendBatchAccepted();
            }

            Counters.AddEventAccepted(_batch.Count);
        }
        catch (ChannelException ex)
        {
            Counters.AddChannelWriteFail();
            _logger.LogError("{Name} source could not write to channel: {Message}", Name, ex.Message);
            return ValueTask.FromResult(SourceStatus.Backoff);
        }

        _next += _batch.Count;
        _batch.Clear();
        return ValueTask.FromResult(SourceStatus.Ready);
    }

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Sequence generator source do starting");
        Counters.Start();
        return Task.CompletedTask;
    }

    protected override Task OnStopAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Sequence generator source do stopping");
        Counters.Stop();
        _logger.LogInformation("Sequence generator source do stopped. Metrics:{Name}", Name);
        return Task.CompletedTask;
    }
}

/// <summary>Runner keys every pollable source accepts: <c>backoffSleepIncrement</c> (1000 ms), <c>maxBackoffSleep</c> (5000 ms).</summary>
public sealed record PollableSourceOptions(long BackoffSleepIncrement = 1000, long MaxBackoffSleep = 5000)
{
    public static PollableSourceOptions FromContext(ComponentContext ctx) =>
        new(ctx.GetLong("backoffSleepIncrement", 1000), ctx.GetLong("maxBackoffSleep", 5000));
}
