using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using FlumeNet.Selectors;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Selectors;

public sealed class ChannelProcessorTests
{
    private readonly LogCapture _log = new();

    private static ComponentContext SelectorCtx(params (string Key, string Value)[] props) => Ctx.Named("r1", "a1.sources.r1.selector.", props);

    private ChannelProcessor Processor(IChannelSelector selector, params IInterceptor[] interceptors) =>
        new(selector, interceptors, _log.CreateLogger("org.apache.flume.channel.ChannelProcessor"));

    private static List<string> Bodies(IChannel ch) => Drain(ch is ScriptedChannel s ? s.Inner : ch);

    [Fact]
    public void Replicating_puts_every_event_into_every_channel()
    {
        var c1 = new ScriptedChannel("c1");
        var c2 = new ScriptedChannel("c2");
        var p = Processor(new ReplicatingChannelSelector([c1, c2], SelectorCtx()));
        p.ProcessEvent(Ev("a"));
        p.ProcessEventBatch([Ev("b"), Ev("c")]);
        Assert.Equal(["a", "b", "c"], Bodies(c1));
        Assert.Equal(["a", "b", "c"], Bodies(c2));
        Assert.Equal(2, c1.Transactions);
        Assert.Equal(2, c2.Transactions);
    }

    [Fact]
    public void Optional_channel_failure_is_logged_not_thrown()
    {
        var c1 = new ScriptedChannel("c1");
        var c2 = new ScriptedChannel("c2", () => new ChannelFullException("no room"));
        var selector = new ReplicatingChannelSelector([c1, c2], SelectorCtx(("optional", "c2")));
        Assert.Equal([c1], selector.GetRequiredChannels(Ev("x")));
        Assert.Equal([c2], selector.GetOptionalChannels(Ev("x")));
        var p = Processor(selector);

        p.ProcessEvent(Ev("a"));
        p.ProcessEventBatch([Ev("b"), Ev("c")]);

        Assert.Equal(["a", "b", "c"], Bodies(c1));
        Assert.Empty(Bodies(c2));
        Assert.Equal(1, _log.Count(LogLevel.Error, "Unable to put event on optional channel: c2"));
        Assert.Equal(1, _log.Count(LogLevel.Error, "Unable to put batch on optional channel: c2"));
    }

    [Fact]
    public void Required_failure_throws_rolls_back_and_earlier_channels_keep_their_events()
    {
        var c1 = new ScriptedChannel("c1");
        var c2 = Memory("c2", capacity: 1, txCapacity: 1, keepAliveSeconds: 0);
        var c3 = new ScriptedChannel("c3");
        PutCommit(c2, "filler");
        var p = Processor(new ReplicatingChannelSelector([c1, c2, c3], SelectorCtx(("optional", "c3"))));

        var ex = Assert.Throws<ChannelFullException>(() => p.ProcessEvent(Ev("a")));
        Assert.Contains("c2", ex.Message);
        Assert.Equal(["a"], Bodies(c1));
        Assert.Equal(["filler"], Drain(c2)); // rolled back: only the old event
        Assert.Equal(0, c3.Transactions); // optional channels are not reached after a required failure
    }

    [Fact]
    public void Non_channel_exceptions_are_wrapped_naming_the_channel()
    {
        var c1 = new ScriptedChannel("c1", () => new InvalidOperationException("disk on fire"));
        var p = Processor(new ReplicatingChannelSelector([c1], SelectorCtx()));

        var single = Assert.Throws<ChannelException>(() => p.ProcessEvent(Ev("a")));
        Assert.Equal("Unable to put event on required channel: c1", single.Message);
        Assert.IsType<InvalidOperationException>(single.InnerException);

        var batch = Assert.Throws<ChannelException>(() => p.ProcessEventBatch([Ev("a"), Ev("b")]));
        Assert.Equal("Unable to put batch on required channel: c1", batch.Message);
        Assert.Empty(Bodies(c1));

        c1.CommitFailure = () => new ChannelException("as is");
        Assert.Equal("as is", Assert.Throws<ChannelException>(() => p.ProcessEvent(Ev("a"))).Message);
    }

    [Fact]
    public void Multiplexing_routes_by_header_with_mapping_default_and_optional()
    {
        var c1 = new ScriptedChannel("c1");
        var c2 = new ScriptedChannel("c2");
        var c3 = new ScriptedChannel("c3");
        var c4 = new ScriptedChannel("c4");
        var ctx = SelectorCtx(("header", "state"), ("mapping.CA", "c1"), ("mapping.NY", "c2 c3"), ("default", "c4"), ("optional.CA", "c1 c2"), ("optional.TX", "c4 c3"));
        var selector = new MultiplexingChannelSelector([c1, c2, c3, c4], ctx);
        Assert.Empty(ctx.Problems);

        Assert.Equal([c1], selector.GetRequiredChannels(Ev("x", ("state", "CA"))));
        Assert.Equal([c2], selector.GetOptionalChannels(Ev("x", ("state", "CA")))); // c1 is already required
        Assert.Equal([c2, c3], selector.GetRequiredChannels(Ev("x", ("state", "NY"))));
        Assert.Empty(selector.GetOptionalChannels(Ev("x", ("state", "NY"))));
        Assert.Equal([c4], selector.GetRequiredChannels(Ev("x", ("state", "TX")))); // no mapping → default
        Assert.Equal([c3], selector.GetOptionalChannels(Ev("x", ("state", "TX")))); // minus default
        Assert.Equal([c4], selector.GetRequiredChannels(Ev("x", ("state", "ca")))); // case-sensitive
        Assert.Equal([c4], selector.GetRequiredChannels(Ev("x", ("state", "  ")))); // blank → default
        Assert.Empty(selector.GetOptionalChannels(Ev("x", ("state", "  "))));
        Assert.Equal([c4], selector.GetRequiredChannels(Ev("x"))); // absent → default
        Assert.Empty(selector.GetOptionalChannels(Ev("x")));

        var p = Processor(selector);
        p.ProcessEvent(Ev("ca1", ("state", "CA")));
        p.ProcessEvent(Ev("ny1", ("state", "NY")));
        p.ProcessEvent(Ev("none"));
        Assert.Equal(["ca1"], Bodies(c1));
        Assert.Equal(["ca1", "ny1"], Bodies(c2));
        Assert.Equal(["ny1"], Bodies(c3));
        Assert.Equal(["none"], Bodies(c4));
    }

    [Fact]
    public void Multiplexing_default_header_name_and_no_default_drops_silently()
    {
        var c1 = new ScriptedChannel("c1");
        var selector = new MultiplexingChannelSelector([c1], SelectorCtx(("mapping.a", "c1")));
        var p = Processor(selector);
        p.ProcessEvent(Ev("routed", ("flume.selector.header", "a")));
        p.ProcessEvent(Ev("nowhere", ("flume.selector.header", "b")));
        p.ProcessEventBatch([Ev("nowhere2")]);
        Assert.Equal(["routed"], Bodies(c1));
    }

    [Fact]
    public void Multiplexing_unknown_channel_is_a_configuration_error()
    {
        var c1 = new ScriptedChannel("c1");
        var ctx = SelectorCtx(("mapping.a", "c1 c9"));
        _ = new MultiplexingChannelSelector([c1], ctx);
        var e = Assert.Single(ctx.Problems);
        Assert.Equal(ProblemSeverity.Error, e.Severity);
        Assert.Equal("a1.sources.r1.selector.mapping.a", e.Key);
        Assert.Equal("Selector channel not found: c9", e.Message);
    }

    [Fact]
    public void Replicating_unknown_optional_channel_is_a_configuration_error()
    {
        var ctx = SelectorCtx(("optional", "c9"));
        _ = new ReplicatingChannelSelector([new ScriptedChannel("c1")], ctx);
        Assert.Equal("Selector channel not found: c9", Assert.Single(ctx.Problems).Message);
    }

    [Fact]
    public void Load_balancing_round_robin_sends_each_event_to_one_channel_in_turn()
    {
        var c1 = new ScriptedChannel("c1");
        var c2 = new ScriptedChannel("c2");
        var c3 = new ScriptedChannel("c3");
        var p = Processor(new LoadBalancingChannelSelector([c1, c2, c3], SelectorCtx(("type", "load_balancing"))));
        for (int i = 0; i < 7; i++)
        {
            p.ProcessEvent(Ev(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.Equal(["0", "3", "6"], Bodies(c1));
        Assert.Equal(["1", "4"], Bodies(c2));
        Assert.Equal(["2", "5"], Bodies(c3));
    }

    [Fact]
    public void Load_balancing_random_sends_each_event_exactly_once()
    {
        var c1 = new ScriptedChannel("c1");
        var c2 = new ScriptedChannel("c2");
        var ctx = SelectorCtx(("policy", "random"));
        var p = Processor(new LoadBalancingChannelSelector([c1, c2], ctx));
        Assert.Empty(ctx.Problems);
        p.ProcessEventBatch(Enumerable.Range(0, 200).Select(i => Ev(i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray());
        var all = Bodies(c1).Concat(Bodies(c2)).Select(int.Parse).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 200), all);
    }

    [Fact]
    public void Load_balancing_unknown_policy_is_an_error()
    {
        var ctx = SelectorCtx(("policy", "weighted"));
        _ = new LoadBalancingChannelSelector([new ScriptedChannel("c1")], ctx);
        Assert.Equal(ProblemSeverity.Error, Assert.Single(ctx.Problems).Severity);
    }

    [Fact]
    public void Interceptor_returning_null_drops_the_event()
    {
        var c1 = new ScriptedChannel("c1");
        var p = Processor(new ReplicatingChannelSelector([c1], SelectorCtx()), new DroppingInterceptor("a"), new DroppingInterceptor("b"));
        p.ProcessEvent(Ev("drop"));
        Assert.Equal(0, c1.Transactions);
        p.ProcessEventBatch([Ev("x"), Ev("drop"), Ev("y")]);
        Assert.Equal(1, c1.Transactions);

        using var tx = c1.Inner.BeginTransaction();
        var x = tx.Take()!;
        var y = tx.Take()!;
        Assert.Null(tx.Take());
        tx.Commit();
        Assert.Equal(("x", "ab"), (Text(x), x.Headers["seen"])); // interceptors run in list order
        Assert.Equal(("y", "ab"), (Text(y), y.Headers["seen"]));
    }

    [Fact]
    public void Batch_is_grouped_per_channel_in_one_transaction_each_preserving_order()
    {
        var c1 = new ScriptedChannel("c1");
        var c2 = new ScriptedChannel("c2");
        var c3 = new ScriptedChannel("c3");
        var selector = new MultiplexingChannelSelector([c1, c2, c3], SelectorCtx(("header", "h"), ("mapping.1", "c1"), ("mapping.2", "c2"), ("default", "c3"), ("optional.1", "c3")));
        var p = Processor(selector);
        p.ProcessEventBatch([Ev("a", ("h", "1")), Ev("b", ("h", "2")), Ev("c", ("h", "1")), Ev("d"), Ev("e", ("h", "2")), Ev("f", ("h", "1"))]);

        Assert.Equal(["a", "c", "f"], Bodies(c1));
        Assert.Equal(["b", "e"], Bodies(c2));
        Assert.Equal(["d"], Bodies(c3).Take(1)); // required part first
        Assert.Equal(1, c1.Transactions);
        Assert.Equal(1, c2.Transactions);
        Assert.Equal(2, c3.Transactions); // one required, one optional transaction
    }

    [Fact]
    public void Batch_optional_events_arrive_in_order_in_their_own_transaction()
    {
        var c1 = new ScriptedChannel("c1");
        var c2 = new ScriptedChannel("c2");
        var p = Processor(new ReplicatingChannelSelector([c1, c2], SelectorCtx(("optional", "c2"))));
        p.ProcessEventBatch([Ev("1"), Ev("2"), Ev("3")]);
        Assert.Equal(["1", "2", "3"], Bodies(c2));
        Assert.Equal(1, c2.Transactions);
    }

    [Fact]
    public void Batch_on_a_required_channel_is_all_or_nothing()
    {
        var c1 = Memory("c1", capacity: 2, txCapacity: 2, keepAliveSeconds: 0);
        var p = Processor(new ReplicatingChannelSelector([c1], SelectorCtx()));
        Assert.Throws<ChannelException>(() => p.ProcessEventBatch([Ev("1"), Ev("2"), Ev("3")]));
        Assert.Equal(0, c1.Size);
        p.ProcessEventBatch([]);
        p.ProcessEventBatch([Ev("1"), Ev("2")]);
        Assert.Equal(["1", "2"], Drain(c1));
    }
}
