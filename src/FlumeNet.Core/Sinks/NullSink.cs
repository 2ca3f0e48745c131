using FlumeNet.Configuration;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sinks;

/// <summary><c>null</c>: takes up to <c>batchSize</c> (100) events per transaction and discards them.</summary>
internal sealed class NullSink : SinkBase, IBatchingComponent
{
    private readonly ILogger _logger;
    private readonly long _logEvery;
    private readonly List<Event> _taken = [];
    private long _count;

    public NullSink(string name, IChannel channel, ComponentContext ctx, ILoggerFactory loggers)
        : base(name, channel)
    {
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

    public override ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        using var tx = Channel.BeginTransaction();
        int n;
        try
        {
            _taken.Clear();
            n = tx.TakeBatch(_taken, BatchSize);
            _taken.Clear();
            tx.Commit();
        }
        catch
        {
            tx.Rollback();
            throw;
        }

        if (n > 0)
        {
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
