using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;

namespace FlumeNet.Core.Tests.Runtime;

/// <summary>Ports out of range and two sources on one address are configuration errors naming the keys.</summary>
public sealed class ListenAddressTests
{
    private readonly LogCapture _log = new();

    private static SourceConfig Listener(string name, string type, string bind, string port) =>
        new(new ComponentConfig(name, type, new Dictionary<string, string>(StringComparer.Ordinal) { ["type"] = type, ["channels"] = "c1", ["bind"] = bind, ["port"] = port }, $"a1.sources.{name}."), ["c1"]);

    private BuiltAgent Build(params SourceConfig[] sources)
    {
        var channel = new ComponentConfig("c1", "memory", new Dictionary<string, string>(StringComparer.Ordinal) { ["type"] = "memory" }, "a1.channels.c1.");
        var sink = new SinkConfig(new ComponentConfig("k1", "null", new Dictionary<string, string>(StringComparer.Ordinal) { ["type"] = "null", ["channel"] = "c1" }, "a1.sinks.k1."), "c1");
        return new AgentBuilder(ComponentRegistry.Default, new BuildServices(_log, TimeProvider.System, new Dictionary<string, string>()))
            .Build(new AgentConfiguration("a1", [channel], sources, [sink], []));
    }

    [Theory]
    [InlineData("netcat", "99999")]
    [InlineData("avro", "65536")]
    [InlineData("avro", "100000")]
    public void A_port_outside_0_to_65535_is_an_error_naming_the_key(string type, string port)
    {
        var built = Build(Listener("r1", type, "127.0.0.1", port));

        var e = Assert.Single(built.Problems, p => p.Key == "a1.sources.r1.port");
        Assert.Equal(ProblemSeverity.Error, e.Severity);
        Assert.Equal($"{port} is not a valid port (0..65535)", e.Message);
        Assert.Empty(built.SourceRunners);
    }

    [Fact]
    public void The_second_source_on_an_address_and_port_is_reported_naming_the_first()
    {
        var built = Build(Listener("r1", "netcat", "127.0.0.1", "4545"), Listener("r2", "avro", "127.0.0.1", "4545"));

        var e = Assert.Single(built.Problems, p => p.Key == "a1.sources.r2.port");
        Assert.Equal(ProblemSeverity.Error, e.Severity);
        Assert.Equal("127.0.0.1:4545 is already used by source r1 (a1.sources.r1.port = 4545, bind = 127.0.0.1); two sources cannot listen on one address and port", e.Message);
        Assert.Equal(["r1"], built.SourceRunners.Select(s => s.Name));
    }

    [Theory]
    [InlineData("0.0.0.0", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "0.0.0.0", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    [InlineData("::", "127.0.0.1", true)]
    public void A_wildcard_bind_collides_with_every_address(string first, string second, bool collides)
    {
        var built = Build(Listener("r1", "netcat", first, "4545"), Listener("r2", "netcat", second, "4545"));
        Assert.Equal(collides, built.Problems.Any(p => p.Key == "a1.sources.r2.port"));
        Assert.Equal(collides ? 1 : 2, built.SourceRunners.Count);
    }

    [Fact]
    public void Port_0_lets_the_system_choose_and_never_collides()
    {
        var built = Build(Listener("r1", "netcat", "127.0.0.1", "0"), Listener("r2", "netcat", "127.0.0.1", "0"));
        Assert.DoesNotContain(built.Problems, p => p.Key.EndsWith(".port", StringComparison.Ordinal));
        Assert.Equal(2, built.SourceRunners.Count);
    }
}
