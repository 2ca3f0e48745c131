using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary>Port problems are configuration errors at start-up, naming the keys, not bind failures retried forever.</summary>
public sealed class PortValidationTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public void Out_of_range_port_and_two_sources_on_one_port_are_reported_at_configuration_time_in_file_order()
    {
        using var dir = new TempDir();
        var port = Net.FreePort();
        var conf = dir.Write("agent.properties", $"""
            a1.sources = r1 r2 r3
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = netcat
            a1.sources.r1.bind = 127.0.0.1
            a1.sources.r1.port = 99999
            a1.sources.r1.channels = c1
            a1.sources.r2.type = netcat
            a1.sources.r2.bind = 127.0.0.1
            a1.sources.r2.port = {port}
            a1.sources.r2.channels = c1
            a1.sources.r3.type = avro
            a1.sources.r3.bind = 0.0.0.0
            a1.sources.r3.port = {port}
            a1.sources.r3.channels = c1
            a1.channels.c1.type = memory
            a1.sinks.k1.type = logger
            a1.sinks.k1.channel = c1
            """);
        using var agent = FlumeProcess.StartAgent(conf);
        agent.WaitForLine("Created serverSocket", Long);

        var range = Assert.Single(agent.Lines, l => l.Contains("a1.sources.r1.port:", StringComparison.Ordinal));
        Assert.Contains("[ERROR", range, StringComparison.Ordinal);
        Assert.Contains("99999 is not a valid port (0..65535)", range, StringComparison.Ordinal);
        var clash = Assert.Single(agent.Lines, l => l.Contains("a1.sources.r3.port:", StringComparison.Ordinal));
        Assert.Contains($"0.0.0.0:{port} is already used by source r2 (a1.sources.r2.port", clash, StringComparison.Ordinal);
        agent.WaitForLine("Starting new configuration:{ sourceRunners:{r2} ", Long);
        Assert.True(Net.IsListening("127.0.0.1", port));
        Assert.DoesNotContain(agent.Lines, l => l.Contains("Unable to start", StringComparison.Ordinal));
    }
}
