using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary><c>exec tail -F</c> → memory → logger in one real agent process.</summary>
public sealed class ExecTailTests
{
    [Fact]
    public void TailedLines_AppearOnceInOrder_AndSigtermExitsCleanly()
    {
        using var dir = new TempDir();
        var log = dir.Write("server.log", string.Empty);
        var conf = dir.Write("tail.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = exec
            a1.sources.r1.command = tail -F {log}
            a1.sources.r1.batchSize = 50
            a1.sources.r1.batchTimeout = 200
            a1.sources.r1.channels = c1
            a1.channels.c1.type = memory
            a1.channels.c1.capacity = 10000
            a1.channels.c1.transactionCapacity = 100
            a1.sinks.k1.type = logger
            a1.sinks.k1.channel = c1
            """);
        using var agent = FlumeProcess.StartAgent(conf);
        agent.WaitForLine("Exec source starting with command: tail -F", Collector.StartTimeout);

        // tail -F opens the file a moment after the source starts, and then prints only the last 10 lines of
        // what is already there: wait until a first line came through before appending the real ones.
        File.AppendAllText(log, "warm-up\n");
        Collector.WaitForBodies(agent, 1, TimeSpan.FromSeconds(30));

        var expected = Enumerable.Range(0, 1000).Select(i => $"L{i:D4}").ToList();
        using (var w = new StreamWriter(new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)))
        {
            foreach (var chunk in expected.Chunk(100))
            {
                foreach (var line in chunk)
                {
                    w.Write(line + "\n");
                }

                w.Flush();
            }
        }

        Collector.WaitForBodies(agent, expected.Count + 1, TimeSpan.FromSeconds(30));

        agent.Signal(15);
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(5)), $"agent still running 5 s after SIGTERM:\n{agent.Tail()}");
        Assert.Equal(0, agent.ExitCode);

        var bodies = LoggerLines.Bodies(agent.Lines);
        Assert.Equal(expected.Prepend("warm-up"), bodies);
    }
}
