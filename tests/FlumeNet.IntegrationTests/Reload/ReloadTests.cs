using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests.Reload;

public sealed class ReloadTests
{
    /// <summary>
    /// Events queued in a memory channel survive a configuration reload that keeps the channel's name and
    /// type: they wait behind an avro sink whose peer is down, then the file is changed to a logger sink.
    /// </summary>
    [Fact]
    public void ChangedFileIsReappliedAndMemoryChannelKeepsItsEvents()
    {
        using var dir = new TempDir();
        var log = dir.Write("in.log", string.Empty);
        var deadPort = Net.FreePort();
        const string common = """
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = exec
            a1.sources.r1.channels = c1
            a1.channels.c1.type = memory
            a1.channels.c1.capacity = 1000
            a1.sinks.k1.channel = c1

            """;
        var conf = dir.Write("agent.properties", common + $"""
            a1.sources.r1.command = tail -F -n +1 {log}
            a1.sinks.k1.type = avro
            a1.sinks.k1.hostname = 127.0.0.1
            a1.sinks.k1.port = {deadPort}
            """);
        using var agent = FlumeProcess.Start(["agent", "-n", "a1", "-f", conf, "-i", "1", "-Dflume.root.logger=INFO,console"], "reloading agent");
        agent.WaitForLine("Exec source starting", TimeSpan.FromSeconds(20));
        File.AppendAllLines(log, Enumerable.Range(0, 50).Select(i => $"Q{i:D3}"));
        agent.WaitForLine("Unable to deliver event", TimeSpan.FromSeconds(20));

        // Same source and channel (name, type); the sink becomes a logger. The exec source restarts and must
        // not re-read the file from the start, so use a new command with the same output file.
        File.WriteAllText(conf, common + $"""
            a1.sources.r1.command = tail -F -n 0 {log}
            a1.sinks.k1.type = logger
            """);
        File.SetLastWriteTimeUtc(conf, DateTime.UtcNow.AddSeconds(2));
        agent.WaitForLine("Reloading configuration file", TimeSpan.FromSeconds(20));

        Retry.Until(() => LoggerLines.Bodies(agent.Lines).Count >= 50, TimeSpan.FromSeconds(20), () => "queued events not logged after reload:\n" + agent.Tail());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"Q{i:D3}"), LoggerLines.Bodies(agent.Lines));
    }
}
