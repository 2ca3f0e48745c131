using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Sinks;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Sinks;

public sealed class NullSinkTests
{
    private static ComponentContext SinkCtx(params (string Key, string Value)[] props) => Ctx.Named("k1", "a1.sinks.k1.", props);

    [Fact]
    public async Task Takes_up_to_batchSize_per_call_then_backs_off()
    {
        var log = new LogCapture();
        var ch = Memory();
        var sink = new NullSink("k1", ch, SinkCtx(("batchSize", "2"), ("logEveryNEvents", "4")), log);
        Assert.Equal(2, sink.BatchSize);
        Assert.Equal("batchSize", sink.BatchSizeKey);
        PutCommit(ch, "1", "2", "3", "4", "5");

        Assert.Equal(SinkStatus.Ready, await sink.ProcessAsync(CancellationToken.None));
        Assert.Equal(3, ch.Size);
        Assert.Equal(SinkStatus.Ready, await sink.ProcessAsync(CancellationToken.None));
        Assert.Equal(1, ch.Size);
        Assert.Equal(SinkStatus.Ready, await sink.ProcessAsync(CancellationToken.None));
        Assert.Equal(0, ch.Size);
        Assert.Equal(SinkStatus.Backoff, await sink.ProcessAsync(CancellationToken.None));
        Assert.Equal(5, ch.TakeSuccessCount);
        Assert.Equal(1, log.Count(LogLevel.Information, "Null sink k1 successful processed 4 events."));
    }

    [Fact]
    public async Task Default_batch_is_100()
    {
        var ch = Memory(capacity: 1000, txCapacity: 1000);
        var sink = new NullSink("k1", ch, SinkCtx(), new LogCapture());
        PutCommit(ch, Enumerable.Range(0, 150).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        Assert.Equal(SinkStatus.Ready, await sink.ProcessAsync(CancellationToken.None));
        Assert.Equal(50, ch.Size);
    }

    [Fact]
    public void Non_positive_batchSize_or_logEvery_is_an_error()
    {
        var ctx = SinkCtx(("batchSize", "0"), ("logEveryNEvents", "-1"));
        _ = new NullSink("k1", Memory(), ctx, new LogCapture());
        Assert.Equal(2, ctx.Problems.Count(p => p.Severity == ProblemSeverity.Error));
    }

    [Fact]
    public async Task Channel_failure_rolls_back_and_propagates()
    {
        var ch = Memory(capacity: 10, txCapacity: 2);
        PutCommit(ch, "1", "2");
        PutCommit(ch, "3");
        var sink = new NullSink("k1", ch, SinkCtx(("batchSize", "3")), new LogCapture()); // batch above the channel's transaction capacity
        await Assert.ThrowsAsync<ChannelException>(() => sink.ProcessAsync(CancellationToken.None).AsTask());
        Assert.Equal(["1", "2", "3"], Drain(ch));
    }
}
