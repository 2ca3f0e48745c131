using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary>Two FlumeNet processes: agent (avro sink) → collector (avro source → logger).</summary>
[Collection(HeavyCollection.Name)]
public sealed class AvroPipelineTests
{
    [Fact]
    public void SeqSource_100kEvents_ArriveAtCollector_ExactlyOnce()
    {
        const int total = 100_000;
        using var dir = new TempDir();
        var port = Net.FreePort();
        using var collector = Collector.StartLogger(dir, port, maxBytesToLog: 16);

        var conf = dir.Write("agent.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = seq
            a1.sources.r1.totalEvents = {total}
            a1.sources.r1.batchSize = 100
            a1.sources.r1.channels = c1
            a1.channels.c1.type = memory
            a1.channels.c1.capacity = 10000
            a1.channels.c1.transactionCapacity = 1000
            a1.sinks.k1.type = avro
            a1.sinks.k1.hostname = 127.0.0.1
            a1.sinks.k1.port = {port}
            a1.sinks.k1.batch-size = 1000
            a1.sinks.k1.channel = c1
            """);
        using var agent = FlumeProcess.StartAgent(conf);

        Collector.WaitForBodies(collector, total, TimeSpan.FromSeconds(90));
        StopBoth(agent, collector);

        AssertEachExactlyOnce(LoggerLines.Bodies(collector.Lines), total);
    }

    [Fact]
    public void CollectorStartedLate_EventsWaitInChannel_ThenArriveExactlyOnce()
    {
        const int total = 500;
        using var dir = new TempDir();
        var port = Net.FreePort();
        using var agent = StartExecAgentWithCollectorDown(dir, Enumerable.Range(0, total).Select(i => $"{i}"), port, batch: 100, capacity: 10000);

        // Every line is in the channel and the sink is failing.
        var failuresBefore = agent.CountLines("Connection refused");
        Retry.Until(() => agent.CountLines("Connection refused") > failuresBefore, TimeSpan.FromSeconds(30),
            () => $"the sink did not retry against the closed port:\n{agent.Tail()}");
        Assert.False(Net.IsListening("127.0.0.1", port));

        using var collector = Collector.StartLogger(dir, port, maxBytesToLog: 16);
        Collector.WaitForBodies(collector, total, TimeSpan.FromSeconds(60));
        StopBoth(agent, collector);

        var bodies = LoggerLines.Bodies(collector.Lines);
        AssertEachExactlyOnce(bodies, total);
        Assert.Equal(Enumerable.Range(0, total).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), bodies);
    }

    [Fact]
    public void A_long_queue_held_in_chunks_arrives_exactly_once_in_order_with_its_headers()
    {
        // 20,000 queued events: all but the first 4,096 are held as bodies in the memory channel's chunks.
        const int total = 20_000;
        using var dir = new TempDir();
        var port = Net.FreePort();
        using var agent = StartExecAgentWithCollectorDown(
            dir, Enumerable.Range(0, total).Select(i => $"{i:D6}"), port, batch: 1000, capacity: 100000, sourceProperties: """
            a1.sources.r1.interceptors = i1
            a1.sources.r1.interceptors.i1.type = static
            a1.sources.r1.interceptors.i1.key = src
            a1.sources.r1.interceptors.i1.value = agent-a
            """);

        using var collector = Collector.StartLogger(dir, port, maxBytesToLog: 16);
        Collector.WaitForBodies(collector, total, TimeSpan.FromSeconds(120));
        StopBoth(agent, collector);

        var bodies = LoggerLines.Bodies(collector.Lines);
        Assert.Equal(Enumerable.Range(0, total).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)), bodies);
        Assert.Equal(total, collector.Lines.Count(l => l.Contains("Event: { headers:{src=agent-a} body:", StringComparison.Ordinal)));
    }

    /// <summary>
    /// An agent exec `cat` of <paramref name="lines"/> -> memory -> avro sink to <paramref name="port"/>, where nothing
    /// listens yet; returns once the command exited, i.e. every line is in the channel (the source flushes before it
    /// reports the exit).
    /// </summary>
    private static FlumeProcess StartExecAgentWithCollectorDown(TempDir dir, IEnumerable<string> lines, int port, int batch, int capacity, string sourceProperties = "")
    {
        var input = dir.Write("input.log", string.Concat(lines.Select(l => l + "\n")));
        var conf = dir.Write("agent.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = exec
            a1.sources.r1.command = cat {input}
            a1.sources.r1.batchSize = {batch}
            a1.sources.r1.channels = c1
            {sourceProperties}
            a1.channels.c1.type = memory
            a1.channels.c1.capacity = {capacity}
            a1.channels.c1.transactionCapacity = 1000
            a1.sinks.k1.type = avro
            a1.sinks.k1.hostname = 127.0.0.1
            a1.sinks.k1.port = {port}
            a1.sinks.k1.batch-size = {batch}
            a1.sinks.k1.connect-timeout = 2000
            a1.sinks.k1.channel = c1
            """);
        var agent = FlumeProcess.StartAgent(conf);
        try
        {
            agent.WaitForLine($"Command [cat {input}] exited with 0", Collector.StartTimeout);
            return agent;
        }
        catch
        {
            agent.Dispose();
            throw;
        }
    }

    /// <summary>Agent first (no more sends, so no late duplicates), then the collector; both must exit.</summary>
    internal static void StopBoth(FlumeProcess agent, FlumeProcess collector)
    {
        agent.Signal(15);
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(15)), $"agent did not stop:\n{agent.Tail()}");
        collector.Signal(15);
        Assert.True(collector.WaitForExit(TimeSpan.FromSeconds(15)), $"collector did not stop:\n{collector.Tail()}");
    }

    internal static void AssertEachExactlyOnce(IReadOnlyList<string> bodies, int total)
    {
        var counts = new int[total];
        var foreign = new List<string>();
        foreach (var b in bodies)
        {
            if (int.TryParse(b, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0 && n < total)
            {
                counts[n]++;
            }
            else
            {
                foreign.Add(b);
            }
        }

        Assert.Empty(foreign);
        var missing = Enumerable.Range(0, total).Where(i => counts[i] == 0).Take(10).ToList();
        var duplicated = Enumerable.Range(0, total).Where(i => counts[i] > 1).Take(10).ToList();
        Assert.True(missing.Count == 0, $"missing bodies (first 10): {string.Join(", ", missing)}");
        Assert.True(duplicated.Count == 0, $"duplicated bodies (first 10): {string.Join(", ", duplicated)}");
        Assert.Equal(total, bodies.Count);
    }
}

[CollectionDefinition(Name)]
public sealed class HeavyCollection
{
    /// <summary>Tests that move many events between two processes: run one at a time.</summary>
    public const string Name = "heavy (two processes, many events)";
}
