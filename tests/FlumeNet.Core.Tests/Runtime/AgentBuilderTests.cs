using FlumeNet.Channels;
using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;

namespace FlumeNet.Core.Tests.Runtime;

public sealed class AgentBuilderTests
{
    private readonly LogCapture _log = new();

    private static Dictionary<string, string> Props(params (string Key, string Value)[] p) => p.ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal);

    private static ComponentConfig Channel(string name, params (string Key, string Value)[] p) =>
        new(name, "memory", Props([("type", "memory"), .. p]), $"a1.channels.{name}.");

    private static SourceConfig Seq(string name, params string[] channels) =>
        new(new ComponentConfig(name, "seq", Props(("type", "seq"), ("channels", string.Join(' ', channels))), $"a1.sources.{name}."), channels);

    private static SinkConfig Null(string name, string channel) =>
        new(new ComponentConfig(name, "null", Props(("type", "null"), ("channel", channel)), $"a1.sinks.{name}."), channel);

    private BuiltAgent Build(AgentConfiguration agent, IReadOnlyList<IChannel>? previous = null) =>
        new AgentBuilder(ComponentRegistry.Default, new BuildServices(_log, TimeProvider.System, new Dictionary<string, string>())).Build(agent, previous);

    [Fact]
    public void Unknown_key_is_a_warning_with_a_suggestion()
    {
        var built = Build(new AgentConfiguration("a1", [Channel("c1", ("transactioncapacity", "10"))], [Seq("r1", "c1")], [Null("k1", "c1")], []));
        var w = Assert.Single(built.Problems);
        Assert.Equal(ProblemSeverity.Warning, w.Severity);
        Assert.Equal("a1.channels.c1.transactioncapacity", w.Key);
        Assert.Equal("unknown key, ignored (did you mean 'transactionCapacity'?)", w.Message);
        Assert.Single(built.Channels);
        Assert.Single(built.SourceRunners);
        Assert.Single(built.SinkRunners);
        Assert.IsType<PollableSourceRunner>(built.SourceRunners[0]);
    }

    [Fact]
    public void Sink_group_with_a_missing_sink_runs_with_the_sinks_it_has()
    {
        var group = new SinkGroupConfig("g1", ["k1", "k9"], "failover", new Dictionary<string, string>(), "a1.sinkgroups.g1.");
        var built = Build(new AgentConfiguration("a1", [Channel("c1")], [Seq("r1", "c1")], [Null("k1", "c1"), Null("k2", "c1")], [group]));

        var e = Assert.Single(built.Problems);
        Assert.Equal(ProblemSeverity.Error, e.Severity);
        Assert.Equal("a1.sinkgroups.g1.sinks", e.Key);
        Assert.Equal("Sink k9 of group g1 does not exist or is not properly configured; the group runs without it", e.Message);
        var g1 = Assert.Single(built.SinkRunners, r => r.Name == "g1");
        Assert.Equal(["k1"], g1.Processor.Sinks.Select(s => s.Name));
        Assert.Contains(built.SinkRunners, r => r.Name == "k2");
        Assert.Single(built.Channels);
        Assert.Single(built.SourceRunners);
    }

    [Fact]
    public void Sink_group_with_all_sinks_builds_one_runner_named_after_the_group()
    {
        var group = new SinkGroupConfig("g1", ["k1", "k2"], "failover", new Dictionary<string, string>(), "a1.sinkgroups.g1.");
        var built = Build(new AgentConfiguration("a1", [Channel("c1")], [Seq("r1", "c1")], [Null("k1", "c1"), Null("k2", "c1")], [group]));
        Assert.Empty(built.Problems);
        var runner = Assert.Single(built.SinkRunners);
        Assert.Equal("g1", runner.Name);
        Assert.Equal(2, runner.Processor.Sinks.Count);
    }

    [Fact]
    public void Unused_channel_is_removed_with_a_warning()
    {
        var built = Build(new AgentConfiguration("a1", [Channel("c1"), Channel("c2")], [Seq("r1", "c1")], [Null("k1", "c1")], []));
        var w = Assert.Single(built.Problems);
        Assert.Equal(ProblemSeverity.Warning, w.Severity);
        Assert.Equal("a1.channels.c2", w.Key);
        Assert.Equal("Channel c2 has no components connected and has been removed.", w.Message);
        Assert.Equal(["c1"], built.Channels.Select(c => c.Name));
    }

    [Fact]
    public void Channel_with_invalid_transaction_capacity_is_dropped_with_its_components()
    {
        var built = Build(new AgentConfiguration("a1", [Channel("c1", ("capacity", "10"), ("transactionCapacity", "20"))], [Seq("r1", "c1")], [Null("k1", "c1")], []));
        Assert.Empty(built.Channels);
        Assert.Empty(built.SourceRunners);
        Assert.Empty(built.SinkRunners);
        Assert.Contains(built.Problems, p => p.Message == "Channel c1 has been removed due to an error during configuration");
    }

    [Fact]
    public void Unknown_source_type_is_fatal_with_a_suggestion()
    {
        var source = new SourceConfig(new ComponentConfig("r1", "netcaat", Props(("type", "netcaat")), "a1.sources.r1."), ["c1"]);
        var built = Build(new AgentConfiguration("a1", [Channel("c1")], [source], [Null("k1", "c1")], []));
        var f = Assert.Single(built.Problems, p => p.Severity == ProblemSeverity.Fatal);
        Assert.Equal("a1.sources.r1.type", f.Key);
        Assert.Equal("Unable to load source type: netcaat (did you mean 'netcat'?)", f.Message);
    }

    [Fact]
    public void Reload_reuses_the_memory_channel_and_keeps_its_events()
    {
        var agent = new AgentConfiguration("a1", [Channel("c1")], [Seq("r1", "c1")], [Null("k1", "c1")], []);
        var first = Build(agent);
        var c1 = Assert.IsType<MemoryChannel>(Assert.Single(first.Channels));
        TestChannels.PutCommit(c1, "kept");

        var second = Build(agent with { Channels = [Channel("c1", ("capacity", "500"))] }, first.Channels);
        Assert.Same(c1, Assert.Single(second.Channels));
        Assert.Equal(500, c1.Capacity);
        Assert.Equal(["kept"], TestChannels.Drain(c1));
    }

    [Fact]
    public void Interceptors_are_built_in_list_order_and_unknown_ones_drop_the_source()
    {
        var ok = new SourceConfig(
            new ComponentConfig("r1", "seq", Props(("type", "seq"), ("interceptors", "i1 i2"), ("interceptors.i1.type", "static"), ("interceptors.i1.key", "k"), ("interceptors.i1.value", "v"), ("interceptors.i2.type", "timestamp")), "a1.sources.r1."),
            ["c1"]);
        var built = Build(new AgentConfiguration("a1", [Channel("c1")], [ok], [Null("k1", "c1")], []));
        Assert.Empty(built.Problems);

        var bad = new SourceConfig(new ComponentConfig("r1", "seq", Props(("type", "seq"), ("interceptors", "i1"), ("interceptors.i1.type", "timestmap")), "a1.sources.r1."), ["c1"]);
        var built2 = Build(new AgentConfiguration("a1", [Channel("c1")], [bad], [Null("k1", "c1")], []));
        Assert.Empty(built2.SourceRunners);
        Assert.Contains(built2.Problems, p => p.Key == "a1.sources.r1.interceptors.i1.type" && p.Message.Contains("did you mean 'timestamp'", StringComparison.Ordinal));
    }
}
