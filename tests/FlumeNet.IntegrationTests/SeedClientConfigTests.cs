using System.Diagnostics;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary>The reference scenario's client file (shared/seed), both collectors down.</summary>
public sealed class SeedClientConfigTests
{
    [Fact]
    public void SeedClientFile_WarnsAboutBothTypos_AndSurvivesPeersDown_WithoutStackTraces()
    {
        using var dir = new TempDir();
        var log = dir.Write("server.log", "before start\n");
        var port2 = Net.FreePort("127.0.0.2");
        var port3 = Net.FreePort("127.0.0.3");
        var seed = File.ReadAllText(Path.Combine(SeedDir(), "flume-failover-client.properties"));
        var text = seed
            .Replace("tail -f /root/flume_test/server.log", $"tail -F {log}", StringComparison.Ordinal)
            .Replace("hostname = slave1", "hostname = 127.0.0.2", StringComparison.Ordinal)
            .Replace("hostname = slave2", "hostname = 127.0.0.3", StringComparison.Ordinal)
            .Replace("a1.sinks.k1.port = 4444", $"a1.sinks.k1.port = {port2}", StringComparison.Ordinal)
            .Replace("a1.sinks.k2.port = 4444", $"a1.sinks.k2.port = {port3}", StringComparison.Ordinal);
        Assert.Contains("127.0.0.2", text, StringComparison.Ordinal);
        Assert.Contains("127.0.0.3", text, StringComparison.Ordinal);
        Assert.Contains(log, text, StringComparison.Ordinal);
        Assert.Contains($"a1.sinks.k1.port = {port2}", text, StringComparison.Ordinal);
        Assert.Contains($"a1.sinks.k2.port = {port3}", text, StringComparison.Ordinal);
        Assert.Contains("processor.priority.maxpenality", text, StringComparison.Ordinal);
        var conf = dir.Write("flume-failover-client.properties", text);

        using var agent = FlumeProcess.StartAgent(conf);
        agent.WaitForLine("Exec source starting with command", Collector.StartTimeout);
        File.AppendAllText(log, string.Concat(Enumerable.Range(0, 50).Select(i => $"line {i}\n")));

        // Keep it running with both peers down for a few seconds, and until each sink was retried (built again).
        var sw = Stopwatch.StartNew();
        Retry.Until(
            () => agent.HasExited || (sw.Elapsed > TimeSpan.FromSeconds(4)
                && agent.CountLines("Building RpcClient with hostname: 127.0.0.2") >= 3
                && agent.CountLines("Building RpcClient with hostname: 127.0.0.3") >= 3),
            TimeSpan.FromSeconds(30),
            () => $"no repeated delivery attempts to both peers:\n{agent.Tail()}");
        Assert.False(agent.HasExited, $"agent exited with both peers down:\n{agent.Output}");

        var penalty = agent.Lines.Where(l => l.Contains("[WARN", StringComparison.Ordinal)
            && l.Contains("a1.sinkgroups.g1.processor.priority.maxpenality", StringComparison.Ordinal)
            && l.Contains("did you mean processor.maxpenalty", StringComparison.Ordinal)).ToList();
        Assert.True(penalty.Count == 1, $"expected one maxpenality WARN, got {penalty.Count}:\n{agent.Output}");

        var tx = agent.Lines.Where(l => l.Contains("[WARN", StringComparison.Ordinal)
            && l.Contains("a1.channels.c1.transactioncapacity", StringComparison.Ordinal)
            && l.Contains("transactionCapacity", StringComparison.Ordinal)).ToList();
        Assert.True(tx.Count == 1, $"expected one transactioncapacity WARN, got {tx.Count}:\n{agent.Output}");

        Assert.Empty(agent.StackFrameLines());
    }

    /// <summary>A verbatim copy of shared/seed, copied next to the test assembly.</summary>
    private static string SeedDir() => Path.Combine(AppContext.BaseDirectory, "Seed");
}
