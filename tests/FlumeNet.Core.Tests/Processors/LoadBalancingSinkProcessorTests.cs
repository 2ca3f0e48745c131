using FlumeNet.Configuration;
using FlumeNet.Processors;
using Microsoft.Extensions.Time.Testing;

namespace FlumeNet.Core.Tests.Processors;

public sealed class LoadBalancingSinkProcessorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ListLogger _log = new();
    private readonly List<string> _calls = [];

    [Fact]
    public async Task Round_robin_follows_config_order_one_batch_per_call()
    {
        var sinks = Sinks("k3", "k1", "k2");
        var p = Build(sinks);
        for (var i = 0; i < 7; i++)
        {
            Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        }

        Assert.Equal(["k3", "k1", "k2", "k3", "k1", "k2", "k3"], _calls);
    }

    [Fact]
    public async Task Failed_sink_passes_the_batch_to_the_next_within_the_call()
    {
        var sinks = Sinks("k1", "k2", "k3");
        sinks[0].Script = SinkScript.Fail;
        var p = Build(sinks);

        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Equal(["k1", "k2"], _calls);
        Assert.Contains("Warning Sink failed to consume event. Attempting next sink if available. Sink k1: Failed to send events: Connection refused (k1)", _log.Lines);

        // Without backoff the failed sink stays a candidate: the rotation moved on by one.
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Equal(["k1", "k2", "k2"], _calls);
    }

    [Fact]
    public async Task Backoff_status_is_not_a_failure_and_ends_the_call()
    {
        var sinks = Sinks("k1", "k2");
        sinks[0].Script = SinkScript.Backoff;
        var p = Build(sinks, ("backoff", "true"));

        Assert.Equal(SinkStatus.Backoff, await p.ProcessAsync(default));
        Assert.Equal(["k1"], _calls);
        Assert.Equal(0, p.RestoreAtMs(0));
    }

    [Fact]
    public async Task Random_selector_reaches_every_sink()
    {
        var sinks = Sinks("k1", "k2", "k3");
        var p = Build(sinks, ("selector", "RANDOM"));
        for (var i = 0; i < 300; i++)
        {
            await p.ProcessAsync(default);
        }

        Assert.Equal(300, _calls.Count);
        Assert.All(sinks, s => Assert.True(s.Calls > 30, $"{s.Name} got {s.Calls} of 300 batches"));
    }

    [Fact]
    public async Task Random_selector_tries_every_sink_before_giving_up()
    {
        var sinks = Sinks("k1", "k2", "k3");
        foreach (var s in sinks)
        {
            s.Script = SinkScript.Fail;
        }

        var p = Build(sinks, ("selector", "random"));
        await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());
        Assert.Equal(["k1", "k2", "k3"], _calls.Order());
    }

    [Fact]
    public async Task Backoff_excludes_a_failed_sink_exponentially_up_to_maxTimeOut()
    {
        var sinks = Sinks("k1", "k2");
        sinks[0].Script = SinkScript.Fail;
        var p = Build(sinks, ("backoff", "true"), ("selector.maxTimeOut", "20000"));

        long[] expected = [2000, 4000, 8000, 16000, 20000, 20000];
        foreach (var exclusion in expected)
        {
            // Call until k1 is tried (round robin may start with k2); k2 takes every batch.
            var k1Calls = sinks[0].Calls;
            while (sinks[0].Calls == k1Calls)
            {
                Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
            }

            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            Assert.Equal(exclusion, p.RestoreAtMs(0) - now);

            // Excluded until restoreAt: only k2 is called.
            _time.Advance(TimeSpan.FromMilliseconds(exclusion));
            k1Calls = sinks[0].Calls;
            await p.ProcessAsync(default);
            await p.ProcessAsync(default);
            Assert.Equal(k1Calls, sinks[0].Calls);

            _time.Advance(TimeSpan.FromMilliseconds(1));
        }
    }

    [Fact]
    public async Task Backoff_sequence_restarts_after_an_hour_without_failures()
    {
        var sinks = Sinks("k1", "k2");
        sinks[0].Script = SinkScript.Fail;
        sinks[1].Script = SinkScript.Fail;
        var p = Build(sinks, ("backoff", "true"));

        await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());
        _time.Advance(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());
        Assert.Equal(4000, p.RestoreAtMs(0) - _time.GetUtcNow().ToUnixTimeMilliseconds());

        _time.Advance(TimeSpan.FromHours(2));
        await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());
        Assert.Equal(2000, p.RestoreAtMs(0) - _time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    [Theory]
    [InlineData(0, 30000, 1000)]
    [InlineData(1, 30000, 2000)]
    [InlineData(4, 30000, 16000)]
    [InlineData(5, 30000, 30000)]
    [InlineData(16, long.MaxValue, 65_536_000)]
    [InlineData(10_000, long.MaxValue, 65_536_000)]
    public void Exclusion_is_capped(int failures, long maxTimeOut, long expected)
    {
        Assert.Equal(expected, LoadBalancingSinkProcessor.ExclusionMs(failures, maxTimeOut));
    }

    [Fact]
    public async Task All_failed_throws_and_with_backoff_excluded_sinks_are_not_called()
    {
        var sinks = Sinks("k1", "k2");
        sinks[0].Script = SinkScript.Fail;
        sinks[1].Script = SinkScript.Fail;
        var p = Build(sinks, ("backoff", "true"));

        var ex = await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());
        Assert.Equal("All configured sinks have failed", ex.Message);
        Assert.Equal(2, _calls.Count);

        await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());
        Assert.Equal(2, _calls.Count);

        sinks[1].Script = SinkScript.Ready;
        _time.Advance(TimeSpan.FromMilliseconds(2001));
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
    }

    [Fact]
    public void A_single_sink_is_an_error_with_Flume_message()
    {
        var ctx = TestConfig.Context(("type", "load_balance"));
        LoadBalancingSinkProcessor.Validate("g1", ["k1"], ctx);

        var error = Assert.Single(ctx.Problems);
        Assert.Equal(ProblemSeverity.Error, error.Severity);
        Assert.Equal("a1.sinkgroups.g1.sinks", error.Key);
        Assert.StartsWith("The LoadBalancingSinkProcessor cannot be used for a single sink. Please configure more than one sinks and try again.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("round_robn", "'round_robn' is not a sink selector (did you mean round_robin?)")]
    [InlineData("com.example.MySelector", "'com.example.MySelector': custom sink selector classes are not supported; use round_robin or random")]
    public void Unknown_selector_is_an_error(string selector, string message)
    {
        var ctx = TestConfig.Context(("selector", selector));
        LoadBalancingSinkProcessor.Validate("g1", ["k1", "k2"], ctx);

        var error = Assert.Single(TestConfig.Errors(ctx));
        Assert.Equal(("a1.sinkgroups.g1.processor.selector", message), (error.Key, error.Message));
    }

    [Fact]
    public void Keys_are_read_with_defaults_and_unknown_keys_warn()
    {
        var ctx = TestConfig.Context(("type", "load_balance"), ("backof", "true"), ("selector.maxTimeout", "5000"));
        var settings = LoadBalancingSinkProcessor.Validate("g1", ["k1", "k2"], ctx);

        Assert.Equal(new LoadBalancingSettings(LoadBalancingSelector.RoundRobin, false, 30000), settings);
        Assert.Equal(
            [
                "a1.sinkgroups.g1.processor.backof is not a load_balance processor key; ignored (did you mean processor.backoff?)",
                "a1.sinkgroups.g1.processor.selector.maxTimeout is not a load_balance processor key; ignored (did you mean processor.selector.maxTimeOut?)",
            ],
            TestConfig.Warnings(ctx).Select(w => $"{w.Key} {w.Message}"));
    }

    [Fact]
    public void Non_numeric_maxTimeOut_is_an_error()
    {
        var ctx = TestConfig.Context(("backoff", "true"), ("selector.maxTimeOut", "30s"));
        LoadBalancingSinkProcessor.Validate("g1", ["k1", "k2"], ctx);
        Assert.Equal("a1.sinkgroups.g1.processor.selector.maxTimeOut", Assert.Single(TestConfig.Errors(ctx)).Key);
    }

    private ScriptedSink[] Sinks(params string[] names) => names.Select(n => new ScriptedSink(n, _calls)).ToArray();

    private LoadBalancingSinkProcessor Build(ISink[] sinks, params (string Key, string Value)[] keys)
    {
        var ctx = TestConfig.Context(keys);
        var p = new LoadBalancingSinkProcessor("g1", sinks, ctx, _time, _log);
        Assert.Empty(TestConfig.Errors(ctx));
        return p;
    }
}
