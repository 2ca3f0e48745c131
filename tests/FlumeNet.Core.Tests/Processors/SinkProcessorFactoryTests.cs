using FlumeNet.Configuration;
using FlumeNet.Processors;
using Microsoft.Extensions.Time.Testing;

namespace FlumeNet.Core.Tests.Processors;

public sealed class SinkProcessorFactoryTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly ListLogger _log = new();

    [Theory]
    [InlineData("default", typeof(DefaultSinkProcessor), 1)]
    [InlineData("DEFAULT", typeof(DefaultSinkProcessor), 1)]
    [InlineData("org.apache.flume.sink.DefaultSinkProcessor", typeof(DefaultSinkProcessor), 1)]
    [InlineData("failover", typeof(FailoverSinkProcessor), 2)]
    [InlineData("Failover", typeof(FailoverSinkProcessor), 2)]
    [InlineData("org.apache.flume.sink.FailoverSinkProcessor", typeof(FailoverSinkProcessor), 2)]
    [InlineData("load_balance", typeof(LoadBalancingSinkProcessor), 2)]
    [InlineData("LOAD_BALANCE", typeof(LoadBalancingSinkProcessor), 2)]
    [InlineData("org.apache.flume.sink.LoadBalancingSinkProcessor", typeof(LoadBalancingSinkProcessor), 2)]
    public void Resolves_aliases_and_class_names(string type, Type expected, int sinkCount)
    {
        var ctx = TestConfig.Context(("type", type));
        var sinks = Enumerable.Range(1, sinkCount).Select(i => (ISink)new ScriptedSink("k" + i)).ToArray();

        var p = SinkProcessorFactory.Create(type, "g1", sinks, ctx, _time, _log);

        Assert.IsType(expected, p);
        Assert.Empty(ctx.Problems);
        Assert.Equal("g1", p!.Name);
        Assert.Equal(sinks, p.Sinks);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    public void Missing_type_is_an_error(string? type)
    {
        var ctx = TestConfig.Context();
        Assert.Null(SinkProcessorFactory.Create(type, "g1", [new ScriptedSink("k1"), new ScriptedSink("k2")], ctx, _time, _log));

        var error = Assert.Single(ctx.Problems);
        Assert.Equal(ProblemSeverity.Error, error.Severity);
        Assert.Equal("a1.sinkgroups.g1.processor.type", error.Key);
        Assert.StartsWith("processor.type is required for sink group g1 (one of default, failover, load_balance)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("failvoer", "'failvoer' is not a sink processor type (did you mean failover?); sink group g1 is dropped")]
    [InlineData("loadbalance", "'loadbalance' is not a sink processor type (did you mean load_balance?); sink group g1 is dropped")]
    [InlineData("com.example.Mine", "'com.example.Mine' is not a supported sink processor (custom processor classes are not supported) (known types: default, failover, load_balance); sink group g1 is dropped")]
    public void Unknown_type_is_an_error_with_a_suggestion(string type, string message)
    {
        var ctx = TestConfig.Context(("type", type));
        Assert.Null(SinkProcessorFactory.Create(type, "g1", [new ScriptedSink("k1"), new ScriptedSink("k2")], ctx, _time, _log));
        var error = Assert.Single(ctx.Problems);
        Assert.Equal(("a1.sinkgroups.g1.processor.type", message), (error.Key, error.Message));
    }

    [Fact]
    public void Validation_errors_return_null_but_earlier_problems_of_others_do_not_count()
    {
        var problems = new List<ConfigProblem> { new(ProblemSeverity.Error, "a1.sinks.k9.type", "someone else's error") };
        var ok = new ComponentContext("g1", TestConfig.Prefix, new Dictionary<string, string> { ["type"] = "failover" }, problems);
        Assert.NotNull(SinkProcessorFactory.Create("failover", "g1", [new ScriptedSink("k1"), new ScriptedSink("k2")], ok, _time, _log));

        var dup = TestConfig.Context(("type", "failover"), ("priority.k1", "1"), ("priority.k2", "1"));
        Assert.Null(SinkProcessorFactory.Create("failover", "g1", [new ScriptedSink("k1"), new ScriptedSink("k2")], dup, _time, _log));
    }

    [Fact]
    public void Warnings_do_not_drop_the_group()
    {
        var ctx = TestConfig.Context(("type", "failover"), ("priority.maxpenality", "1000"));
        var p = SinkProcessorFactory.Create("failover", "g1", [new ScriptedSink("k1"), new ScriptedSink("k2")], ctx, _time, _log);
        Assert.NotNull(p);
        Assert.Equal(ProblemSeverity.Warning, Assert.Single(ctx.Problems).Severity);
    }
}
