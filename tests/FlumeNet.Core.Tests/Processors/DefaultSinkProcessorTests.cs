using FlumeNet.Configuration;
using FlumeNet.Processors;
using Microsoft.Extensions.Time.Testing;

namespace FlumeNet.Core.Tests.Processors;

public sealed class DefaultSinkProcessorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly ListLogger _log = new();

    [Fact]
    public void Two_sinks_are_an_error_with_Flume_message()
    {
        var ctx = TestConfig.Context(("type", "default"));
        DefaultSinkProcessor.Validate("g1", ["k1", "k2"], ctx);

        var error = Assert.Single(ctx.Problems);
        Assert.Equal(ProblemSeverity.Error, error.Severity);
        Assert.Equal("a1.sinkgroups.g1.sinks", error.Key);
        Assert.Equal("DefaultSinkPolicy can only handle one sink, try using a policy that supports multiple sinks (group g1 has k1 k2)", error.Message);
        Assert.Null(SinkProcessorFactory.Create("default", "g1", [new ScriptedSink("k1"), new ScriptedSink("k2")], TestConfig.Context(("type", "default")), _time, _log));
    }

    [Fact]
    public void Unknown_keys_warn()
    {
        var ctx = TestConfig.Context(("type", "default"), ("maxpenalty", "1000"));
        DefaultSinkProcessor.Validate("g1", ["k1"], ctx);
        var warning = Assert.Single(ctx.Problems);
        Assert.Equal(
            "a1.sinkgroups.g1.processor.maxpenalty is not a default processor key; ignored (a default processor has no keys besides processor.type)",
            $"{warning.Key} {warning.Message}");
    }

    [Fact]
    public async Task Process_is_the_sink_process_and_exceptions_reach_the_caller()
    {
        var k1 = new ScriptedSink("k1");
        var p = new DefaultSinkProcessor("k1", [k1], TestConfig.Context(), _time, _log);

        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        k1.Script = SinkScript.Backoff;
        Assert.Equal(SinkStatus.Backoff, await p.ProcessAsync(default));
        k1.Script = SinkScript.Fail;
        var ex = await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());
        Assert.Equal("Failed to send events", ex.Message);
        Assert.Equal(3, k1.Calls);
    }

    [Fact]
    public async Task Start_and_stop_the_sink()
    {
        var k1 = new ScriptedSink("k1");
        var p = new DefaultSinkProcessor("k1", [k1], TestConfig.Context(), _time, _log);
        Assert.Equal(LifecycleState.Idle, p.State);
        await p.StartAsync(default);
        Assert.Equal(LifecycleState.Start, k1.State);
        await p.StopAsync(default);
        Assert.Equal(LifecycleState.Stop, k1.State);
        Assert.Equal(LifecycleState.Stop, p.State);
    }
}
