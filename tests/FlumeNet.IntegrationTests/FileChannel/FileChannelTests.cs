using System.Text;
using FlumeNet.Avro;
using FlumeNet.IntegrationTests.Harness;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace FlumeNet.IntegrationTests.FileChannel;

/// <summary>
/// Real agents with a <c>file</c> channel: avro source → file channel → avro sink → logger collector. The agent is killed
/// with SIGKILL while a client streams into it; nothing acknowledged may be lost.
/// </summary>
public sealed class FileChannelTests(ITestOutputHelper output)
{
    private const int BatchSize = 100;

    private static string AgentConf(TempDir dir, int port, int collectorPort, string sink = "avro") => $"""
        a1.sources = r1
        a1.channels = c1
        a1.sinks = k1
        a1.sources.r1.type = avro
        a1.sources.r1.bind = 127.0.0.1
        a1.sources.r1.port = {port}
        a1.sources.r1.channels = c1
        a1.channels.c1.type = file
        a1.channels.c1.checkpointDir = {dir.File("checkpoint")}
        a1.channels.c1.dataDirs = {dir.File("data1")},{dir.File("data2")}
        a1.channels.c1.maxFileSize = 200000
        a1.channels.c1.minimumRequiredSpace = 1048576
        a1.channels.c1.transactionCapacity = 1000
        a1.sinks.k1.type = {sink}
        a1.sinks.k1.hostname = 127.0.0.1
        a1.sinks.k1.port = {collectorPort}
        a1.sinks.k1.batch-size = {BatchSize}
        a1.sinks.k1.channel = c1
        """;

    [Fact]
    public async Task Agent_killed_ten_times_while_a_client_streams_loses_nothing()
    {
        using var dir = new TempDir();
        var collectorPort = Net.FreePort();
        using var collector = Collector.StartLogger(dir, collectorPort);
        var port = Net.FreePort();
        var conf = dir.Write("agent.properties", AgentConf(dir, port, collectorPort));
        const int total = 12000;
        const int kills = 10;

        var agent = FlumeProcess.StartAgent(conf);
        var agents = new List<FlumeProcess> { agent };
        try
        {
            agent.WaitForLine("Avro source r1 started.", Collector.StartTimeout);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var sent = 0;
            var client = Task.Run(() => StreamAsync(port, total, n => Volatile.Write(ref sent, n), cts.Token));

            for (var k = 0; k < kills; k++)
            {
                // Let some batches through, then kill the agent in the middle of the stream and start it again.
                var before = Volatile.Read(ref sent);
                Retry.Until(() => Volatile.Read(ref sent) >= before + 300 || client.IsCompleted, TimeSpan.FromSeconds(30), "the client made no progress");
                Assert.False(client.IsCompleted, $"the stream ended before kill {k + 1}; make it longer");
                agent.Signal(9);
                Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(10)));
                agent = FlumeProcess.StartAgent(conf);
                agents.Add(agent);
                agent.WaitForLine("Avro source r1 started.", Collector.StartTimeout);
            }

            await client;
            Assert.All(agents, a => Assert.Equal(1, a.CountLines("Queue Size after replay")));
            Assert.All(agents, a => Assert.True(a.CountLines("Waiting for channel: c1 to start. Sleeping for 500 ms") >= 1));
            var bodies = Collector.WaitForBodies(collector, total, TimeSpan.FromSeconds(60));
            var expected = Enumerable.Range(0, total).Select(Body).ToHashSet();
            Retry.Until(() => (bodies = LoggerLines.Bodies(collector.Lines)).ToHashSet().IsSupersetOf(expected), TimeSpan.FromSeconds(60), () => $"missing {expected.Except(bodies).Count()} events, e.g. {string.Join(", ", expected.Except(bodies).Take(5))}");
            var duplicates = bodies.Count - bodies.Distinct().Count();
            output.WriteLine($"{total} events, {kills} SIGKILLs: {bodies.Count} delivered, {bodies.Distinct().Count()} distinct, {duplicates} duplicates");
            Assert.True(duplicates <= kills * BatchSize, $"{duplicates} duplicates for {kills} kills");
            Assert.All(bodies, b => Assert.Contains(b, expected));
            Assert.All(agents, a => Assert.DoesNotContain(a.Lines, l => l.Contains("[ERROR", StringComparison.Ordinal) && l.Contains("Damaged", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var a in agents)
            {
                a.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_second_agent_on_the_same_directories_fails_that_channel_once_and_the_first_keeps_running()
    {
        using var dir = new TempDir();
        var collectorPort = Net.FreePort();
        using var collector = Collector.StartLogger(dir, collectorPort);
        var port1 = Net.FreePort();
        using var first = FlumeProcess.StartAgent(dir.Write("first.properties", AgentConf(dir, port1, collectorPort)));
        first.WaitForLine("Avro source r1 started.", Collector.StartTimeout);

        var port2 = Net.FreePort();
        using var second = FlumeProcess.StartAgent(dir.Write("second.properties", AgentConf(dir, port2, collectorPort)));
        var error = second.WaitForLine("Failed to start the file channel", Collector.StartTimeout);
        Assert.Contains("[ERROR", error);
        Assert.Contains("Cannot lock " + dir.File("checkpoint"), error);
        Assert.Contains($"process {first.Pid}", error);

        await SendAsync(port1, Enumerable.Range(0, 20).Select(Body).ToList());
        Collector.WaitForBodies(collector, 20, TimeSpan.FromSeconds(30));
        Assert.False(first.HasExited);
        Assert.Equal(1, second.CountLines("Failed to start the file channel"));
    }

    [Fact]
    public async Task A_reload_that_keeps_the_channel_keeps_its_events_on_disk()
    {
        using var dir = new TempDir();
        var port = Net.FreePort();
        var deadPort = Net.FreePort();
        var conf = dir.Write("agent.properties", AgentConf(dir, port, deadPort));
        using var agent = FlumeProcess.Start(["agent", "-n", "a1", "-f", conf, "-i", "1", "-Dflume.root.logger=INFO,console"], "reloading agent");
        agent.WaitForLine("Avro source r1 started.", Collector.StartTimeout);
        await SendAsync(port, Enumerable.Range(0, 50).Select(Body).ToList());
        agent.WaitForLine("Unable to deliver event", TimeSpan.FromSeconds(30));

        System.IO.File.WriteAllText(conf, AgentConf(dir, port, deadPort, sink: "logger") + "\na1.channels.c1.capacity = 5000\n");
        System.IO.File.SetLastWriteTimeUtc(conf, DateTime.UtcNow.AddSeconds(2));
        agent.WaitForLine("Reloading configuration file", TimeSpan.FromSeconds(20));
        Retry.Until(() => LoggerLines.Bodies(agent.Lines).Count >= 50, TimeSpan.FromSeconds(30), () => "queued events not logged after reload:\n" + agent.Tail());
        Assert.Equal(Enumerable.Range(0, 50).Select(Body), LoggerLines.Bodies(agent.Lines));
        Assert.DoesNotContain(agent.Lines, l => l.Contains("Cannot lock", StringComparison.Ordinal));
    }

    private static string Body(int i) => $"E{i:D6}";

    private static async Task SendAsync(int port, List<string> bodies)
    {
        await using var client = await AvroRpcClient.ConnectAsync(new AvroRpcClientOptions { Host = "127.0.0.1", Port = port }, NullLogger.Instance, CancellationToken.None);
        var status = await client.AppendBatchAsync(bodies.Select(b => (IFlumeEvent)new Event(Encoding.UTF8.GetBytes(b))).ToList(), CancellationToken.None);
        Assert.Equal(AvroStatus.Ok, status);
    }

    /// <summary>Sends <paramref name="total"/> events in batches, resending each batch until the agent answers OK.</summary>
    private static async Task StreamAsync(int port, int total, Action<int> progress, CancellationToken ct)
    {
        AvroRpcClient? client = null;
        var options = new AvroRpcClientOptions { Host = "127.0.0.1", Port = port, ConnectTimeout = TimeSpan.FromSeconds(2), RequestTimeout = TimeSpan.FromSeconds(5) };
        try
        {
            for (var next = 0; next < total;)
            {
                var batch = Enumerable.Range(next, Math.Min(BatchSize, total - next)).Select(i => (IFlumeEvent)new Event(Encoding.UTF8.GetBytes(Body(i)))).ToList();
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    try
                    {
                        client ??= await AvroRpcClient.ConnectAsync(options, NullLogger.Instance, ct);
                        if (await client.AppendBatchAsync(batch, ct) == AvroStatus.Ok)
                        {
                            break;
                        }
                    }
                    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or AvroRpcException or TimeoutException or ObjectDisposedException)
                    {
                        if (client is not null)
                        {
                            await client.DisposeAsync();
                            client = null;
                        }
                    }

                    await Task.Delay(50, ct);
                }

                next += batch.Count;
                progress(next);
                await Task.Delay(5, ct);
            }
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
        }
    }
}
