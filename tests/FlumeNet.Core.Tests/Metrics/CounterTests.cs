using FlumeNet.Channels;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Metrics;
using FlumeNet.Sinks;
using FlumeNet.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Metrics;

public sealed class CounterTests
{
    [Fact]
    public void Start_resets_counters_and_records_times()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_000));
        var c = new SourceCounter("r1", time);
        c.Start();
        c.AddEventReceived(5);
        c.AddEventAccepted(4);
        time.Advance(TimeSpan.FromMilliseconds(500));
        c.Stop();
        Assert.Equal(1_000, c.StartTime);
        Assert.Equal(1_500, c.StopTime);
        Assert.Equal(5, c.EventReceivedCount);

        time.Advance(TimeSpan.FromMilliseconds(500));
        c.Start();
        Assert.Equal(0, c.EventReceivedCount);
        Assert.Equal(0, c.EventAcceptedCount);
        Assert.Equal(2_000, c.StartTime);
        Assert.Equal(0, c.StopTime);
    }

    [Fact]
    public void Attributes_have_Flumes_names_and_end_with_times_and_type()
    {
        var names = new ChannelCounter("c1").Attributes().Select(a => a.Key).ToList();
        Assert.Equal(
            ["ChannelSize", "EventPutAttemptCount", "EventTakeAttemptCount", "EventPutSuccessCount", "EventTakeSuccessCount", "ChannelCapacity", "ChannelFillPercentage", "StartTime", "StopTime", "Type"],
            names);
        var file = new ChannelCounter("c1", fileChannel: true).Attributes().Select(a => a.Key).ToHashSet();
        foreach (var extra in new[] { "Open", "Closed", "Unhealthy", "EventPutErrorCount", "EventTakeErrorCount", "CheckpointWriteErrorCount", "CheckpointBackupWriteErrorCount" })
        {
            Assert.Contains(extra, file);
        }

        Assert.Equal("SINK", new SinkCounter("k1").Attributes().Last().Value);
    }

    [Fact]
    public void Fill_percentage_is_max_double_while_capacity_is_zero()
    {
        var c = new ChannelCounter("c1");
        Assert.Equal(double.MaxValue, c.ChannelFillPercentage);
        c.SetChannelCapacity(3);
        c.SetChannelSize(1);
        Assert.Equal(1.0 / 3 * 100, c.ChannelFillPercentage);
    }

    [Fact]
    public void Sink_batches_are_empty_underflow_or_complete()
    {
        var c = new SinkCounter("k1");
        c.CountBatch(0, 10);
        c.CountBatch(3, 10);
        c.CountBatch(10, 10);
        c.CountBatch(10, 10);
        Assert.Equal((1, 1, 2), (c.BatchEmptyCount, c.BatchUnderflowCount, c.BatchCompleteCount));
    }

    [Fact]
    public void Start_and_stop_log_Flumes_lines_with_sorted_shutdown_metrics()
    {
        var log = new LogCapture();
        var registry = new MetricsRegistry(log);
        var c = registry.Register(new ChannelCounter("c1", time: new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(42))));
        c.Start();
        c.Start();
        c.SetChannelCapacity(100);
        c.AddEventPutAttempt(3);
        c.Stop();
        var lines = log.Entries.Where(e => e.Category == "org.apache.flume.instrumentation.MonitoredCounterGroup").Select(e => e.Message).ToList();
        Assert.Equal(
            [
                "Monitored counter group for type: CHANNEL, name: c1: Successfully registered new MBean.",
                "Component type: CHANNEL, name: c1 started",
                "Component type: CHANNEL, name: c1 started",
                "Component type: CHANNEL, name: c1 stopped",
                "Shutdown Metric for type: CHANNEL, name: c1. channel.start.time == 42",
                "Shutdown Metric for type: CHANNEL, name: c1. channel.stop.time == 42",
                "Shutdown Metric for type: CHANNEL, name: c1. channel.capacity == 100",
                "Shutdown Metric for type: CHANNEL, name: c1. channel.current.size == 0",
                "Shutdown Metric for type: CHANNEL, name: c1. channel.event.put.attempt == 3",
                "Shutdown Metric for type: CHANNEL, name: c1. channel.event.put.success == 0",
                "Shutdown Metric for type: CHANNEL, name: c1. channel.event.take.attempt == 0",
                "Shutdown Metric for type: CHANNEL, name: c1. channel.event.take.success == 0",
            ],
            lines);
    }

    [Fact]
    public void Inline_form_is_type_name_and_internal_keys()
    {
        var c = new SinkCounter("k1");
        c.AddConnectionClosed();
        var text = c.ToString();
        Assert.StartsWith("SINK:k1{", text, StringComparison.Ordinal);
        Assert.Contains("sink.connection.closed.count=1", text, StringComparison.Ordinal);
        Assert.Equal(10, text.Split(", ").Length);
    }

    [Fact]
    public void Registry_publish_replaces_the_set()
    {
        var registry = new MetricsRegistry();
        var r1 = registry.Register(new SourceCounter("r1"));
        registry.Register(new SinkCounter("k1"));
        registry.Publish([r1]);
        Assert.Equal(["SOURCE.r1"], registry.Groups().Select(g => g.Type + "." + g.Name));

        var c1 = new ChannelCounter("c1");
        registry.Publish([c1, r1]);
        Assert.Same(c1, registry.Find("CHANNEL", "c1"));
        Assert.Equal(2, registry.Groups().Count);
        registry.Publish([c1]);
        Assert.Null(registry.Find("SOURCE", "r1"));
    }

    [Fact]
    public async Task Memory_channel_counts_attempts_successes_size_and_capacity()
    {
        var registry = new MetricsRegistry();
        var ch = new MemoryChannel("c1", new MemoryChannelOptions(Capacity: 10, TransactionCapacity: 10), new LogCapture().CreateLogger("c"), registry);
        Assert.Same(ch.Counters, registry.Find("CHANNEL", "c1"));
        await ch.StartAsync(CancellationToken.None);
        Assert.Equal(10, ch.Counters.ChannelCapacity);
        PutCommit(ch, "a", "b", "c");
        using (var tx = ch.BeginTransaction())
        {
            tx.Put(Ev("rolled back"));
            tx.Rollback();
        }

        using (var tx = ch.BeginTransaction())
        {
            Assert.NotNull(tx.Take());
            Assert.NotNull(tx.Take());
            tx.Rollback();
        }

        Assert.Equal(3, Drain(ch).Count); // 4 takes: 3 events and one empty
        var c = ch.Counters;
        Assert.Equal((4L, 3L), (c.EventPutAttemptCount, c.EventPutSuccessCount));
        Assert.Equal((6L, 3L), (c.EventTakeAttemptCount, c.EventTakeSuccessCount));
        Assert.Equal(0, c.ChannelSize);
        Assert.Equal(0.0, c.ChannelFillPercentage);

        PutCommit(ch, "d");
        Assert.Equal(1, c.ChannelSize);
        Assert.Equal(10.0, c.ChannelFillPercentage);
        ch.Reconfigure(new MemoryChannelOptions(Capacity: 20, TransactionCapacity: 10));
        Assert.Equal(20, c.ChannelCapacity);

        // A restart (reload) resets the counters as Flume does, but the size is the events still held.
        await ch.StopAsync(CancellationToken.None);
        await ch.StartAsync(CancellationToken.None);
        Assert.Equal((0L, 1L), (c.EventPutSuccessCount, c.ChannelSize));
    }

    [Fact]
    public async Task Seq_source_counts_received_accepted_and_batches()
    {
        var registry = new MetricsRegistry();
        var ch = Memory(capacity: 1000, txCapacity: 100);
        var seq = new SequenceGeneratorSource("r1", Replicating(ch), Ctx.Named("r1", "a1.sources.r1.", ("totalEvents", "25"), ("batchSize", "10")), new LogCapture(), registry);
        await seq.StartAsync(CancellationToken.None);
        while (await seq.ProcessAsync(CancellationToken.None) == SourceStatus.Ready)
        {
        }

        await seq.StopAsync(CancellationToken.None);
        var c = (SourceCounter)registry.Find("SOURCE", "r1")!;
        Assert.Equal((25L, 25L, 3L), (c.EventReceivedCount, c.EventAcceptedCount, c.AppendBatchAcceptedCount));
        Assert.NotEqual(0, c.StopTime);
    }

    [Fact]
    public async Task Seq_source_counts_channel_write_failures()
    {
        var ch = Memory(capacity: 1, txCapacity: 1);
        var seq = new SequenceGeneratorSource("r1", Replicating(ch), Ctx.Named("r1", "a1.sources.r1.", ("totalEvents", "5")), new LogCapture());
        await seq.StartAsync(CancellationToken.None);
        Assert.Equal(SourceStatus.Ready, await seq.ProcessAsync(CancellationToken.None));
        Assert.Equal(SourceStatus.Backoff, await seq.ProcessAsync(CancellationToken.None));
        Assert.Equal((1L, 1L, 0L), (seq.Counters.EventAcceptedCount, seq.Counters.ChannelWriteFail, seq.Counters.AppendBatchAcceptedCount));
    }

    [Fact]
    public async Task Null_and_logger_sinks_count_batches_and_drained_events()
    {
        var ch = Memory(capacity: 1000, txCapacity: 1000);
        var nul = new NullSink("k1", ch, Ctx.Named("k1", "a1.sinks.k1.", ("batchSize", "10")), new LogCapture());
        await nul.StartAsync(CancellationToken.None);
        PutCommit(ch, Enumerable.Range(0, 15).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        while (await nul.ProcessAsync(CancellationToken.None) == SinkStatus.Ready)
        {
        }

        var c = nul.Counters;
        Assert.Equal((1L, 1L, 1L), (c.BatchCompleteCount, c.BatchUnderflowCount, c.BatchEmptyCount));
        Assert.Equal((15L, 15L), (c.EventDrainAttemptCount, c.EventDrainSuccessCount));

        // Flume counts every take call, the one that found the channel empty too: 10, then 5 + 1, then 1.
        Assert.Equal((17L, 15L), (ch.Counters.EventTakeAttemptCount, ch.Counters.EventTakeSuccessCount));

        var logger = new LoggerSink("k2", ch, Ctx.Named("k2", "a1.sinks.k2.", ("type", "logger")), new LogCapture());
        await logger.StartAsync(CancellationToken.None);
        PutCommit(ch, "x", "y");
        Assert.Equal(SinkStatus.Ready, await logger.ProcessAsync(CancellationToken.None));
        Assert.Equal((2L, 2L, 1L), (logger.Counters.EventDrainSuccessCount, logger.Counters.EventDrainAttemptCount, logger.Counters.BatchUnderflowCount));
    }
}
