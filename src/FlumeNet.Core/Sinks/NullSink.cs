using FlumeNet.Configuration;
using FlumeNet.Metrics;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sinks;

/// <summary><c>null</c>: takes up to <c>batchSize</c> (100) events per transaction and discards them.</summary>
internal sealed class NullSink : SinkBase, IBatchingComponent, IMetered
{
    private readonly ILogger _logger;
    private readonly long _logEvery;
    private readonly List<Event> _taken = [];
    private long _count;

    public NullSink(string name, IChannel channel, ComponentContext ctx, ILoggerFactory loggers, MetricsRegistry? metrics = null, TimeProvider? time = null)
        : base(name, channel)
    {
        Counters = new SinkCounter(name, time);
        metrics?.Register(Counters);
        _logger = loggers.CreateLogger("org.apache.flume.sink.NullSink");
        ctx.MarkKnown("type", "channel");
        BatchSize = ctx.GetInt("batchSize", 100);
        if (BatchSize <= 0)
        {
            ctx.Error("batchSize", $"must be greater than 0 (got {BatchSize})");
        }

        _logEvery = ctx.GetLong("logEveryNEvents", 10000);
        if (_logEvery <= 0)
        {
            ctx.Error("logEveryNEvents", $"must be greater than 0 (got {_logEvery})");
        }
    }

    public string BatchSizeKey => "batchSize";

    public int BatchSize { get; }

    /// <summary>Ours (Flume's null sink has none): batches and drained events.</summary>
    public SinkCounter Counters { get; }

    CounterGroup IMetered.Counters => Counters;

    public override ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        using var tx = Channel.BeginTransaction();
        int n;
        try
        {
            _taken.Clear();
            n = tx.TakeBatch(_taken, BatchSize);
            _taken.Clear();
            Counters.CountBatch(n, BatchSize);
            if (n > 0)
            {
                Counters.AddEventDrainAttempt(n);
            }

            tx.Commit();
        }
        catch (Exception ex)
        {
            tx.Rollback();
            if (ex is ChannelException)
            {
                Counters.AddChannelReadFail();
            }

            throw;
        }

        if (n > 0)
        {
            Counters.AddEventDrainSuccess(n);
            var before = _count;
            _count += n;
            if (before / _logEvery != _count / _logEvery)
            {
                _logger.LogInformation("Null sink {Name} successful processed {Count} events.", Name, _count);
            }
        }

        return ValueTask.FromResult(n > 0 ? SinkStatus.Ready : SinkStatus.Backoff);
    }
}
