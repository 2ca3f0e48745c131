using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary>Events a memory channel still holds when it goes away are counted in one WARN, never dropped silently.</summary>
public sealed partial class ShutdownAccountingTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [GeneratedRegex(@"Channel (\w+) still holds (\d+) events at shutdown; they are lost")]
    private static partial Regex LostAtStop();

    [GeneratedRegex(@"Channel (\w+) is not part of the new configuration and still holds (\d+) events; they are lost")]
    private static partial Regex LostAtReload();

    [Fact]
    public void Sigterm_with_a_backlog_accounts_for_every_line_delivered_or_reported_lost()
    {
        const int Lines = 200_000;
        using var dir = new TempDir();
        var input = dir.Write("input.txt", string.Join('\n', Enumerable.Range(0, Lines).Select(i => i.ToString(CultureInfo.InvariantCulture))) + "\n");
        var conf = dir.Write("agent.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = exec
            a1.sources.r1.command = cat {input}
            a1.sources.r1.batchSize = 1000
            a1.sources.r1.channels = c1
            a1.channels.c1.type = memory
            a1.channels.c1.capacity = {Lines}
            a1.channels.c1.transactionCapacity = 1000
            a1.sinks.k1.type = logger
            a1.sinks.k1.channel = c1
            """);
        using var agent = FlumeProcess.StartAgent(conf, "a1", "-Dflume.shutdown.drainSeconds=0.5");
        agent.WaitForLine("exited with 0", Long); // every line is an event in the channel or already delivered
        agent.Signal(15);
        Assert.True(agent.WaitForExit(Long), "the agent did not stop");
        Assert.Equal(0, agent.ExitCode);

        var delivered = agent.CountLines("Event: { headers:{} body:");
        var warn = Assert.Single(agent.Lines, l => LostAtStop().IsMatch(l));
        Assert.Contains("[WARN", warn, StringComparison.Ordinal);
        var match = LostAtStop().Match(warn);
        Assert.Equal("c1", match.Groups[1].Value);
        var lost = long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(lost > 0, "the test needs a backlog at the stop");
        Assert.Equal(Lines, delivered + lost);

        // Sources stop first, then the sinks drain, then the channel is given up.
        var order = new[] { "Stopping Source r1", "Stopping Sink k1", warn, "Stopping Channel c1" }
            .Select(t => agent.Lines.ToList().FindIndex(l => l.Contains(t, StringComparison.Ordinal))).ToArray();
        Assert.True(order.All(i => i >= 0) && order.Order().SequenceEqual(order), $"stop order {string.Join(", ", order)}:\n{agent.Tail()}");
    }

    [Fact]
    public void A_reload_that_renames_a_channel_with_queued_events_reports_how_many_are_lost()
    {
        using var dir = new TempDir();
        var port = Net.FreePort();
        var deadPort = Net.FreePort();
        string Conf(string channel) => $"""
            a1.sources = r1
            a1.channels = {channel}
            a1.sinks = k1
            a1.sources.r1.type = netcat
            a1.sources.r1.bind = 127.0.0.1
            a1.sources.r1.port = {port}
            a1.sources.r1.channels = {channel}
            a1.channels.{channel}.type = memory
            a1.channels.{channel}.capacity = 1000
            a1.sinks.k1.type = avro
            a1.sinks.k1.hostname = 127.0.0.1
            a1.sinks.k1.port = {deadPort}
            a1.sinks.k1.channel = {channel}
            """;
        var conf = dir.Write("agent.properties", Conf("c1"));
        using var agent = FlumeProcess.Start(["agent", "-n", "a1", "-f", conf, "-i", "1", "-Dflume.root.logger=INFO,console"], "reloading agent");
        agent.WaitForLine("Created serverSocket", Long);
        using (var c = new TcpClient("127.0.0.1", port))
        {
            var s = c.GetStream();
            var reader = new StreamReader(s);
            for (int i = 0; i < 500; i++)
            {
                s.Write(System.Text.Encoding.ASCII.GetBytes($"queued {i}\n"));
                Assert.Equal("OK", reader.ReadLine()); // committed to c1
            }
        }

        File.WriteAllText(conf, Conf("c2"));
        File.SetLastWriteTimeUtc(conf, DateTime.UtcNow.AddSeconds(5));
        var warn = agent.WaitForLine("is not part of the new configuration", Long);
        var match = LostAtReload().Match(warn);
        Assert.True(match.Success, warn);
        Assert.Equal("c1", match.Groups[1].Value);
        Assert.Equal("500", match.Groups[2].Value);
        Assert.Contains("[WARN", warn, StringComparison.Ordinal);
    }
}
