using FlumeNet.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace FlumeNet.IntegrationTests.Files;

/// <summary>
/// TAILDIR and spooldir in a real agent (source → channel → avro sink) delivering to a real collector (avro source →
/// logger), while a writer rotates logs by rename or drops files, and the agent is restarted.
/// </summary>
public sealed class FileSourcePipelineTests(ITestOutputHelper output)
{
    private const string MemoryChannel = """
        a1.channels.c1.type = memory
        a1.channels.c1.capacity = 100000
        a1.channels.c1.transactionCapacity = 1000
        """;

    private static string FileChannel(TempDir dir) => $"""
        a1.channels.c1.type = file
        a1.channels.c1.checkpointDir = {dir.File("checkpoint")}
        a1.channels.c1.dataDirs = {dir.File("data")}
        a1.channels.c1.capacity = 100000
        a1.channels.c1.transactionCapacity = 1000
        """;

    private static string AgentConf(int port, string source, string channel) => $"""
        a1.sources = r1
        a1.channels = c1
        a1.sinks = k1
        {source}
        a1.sources.r1.channels = c1
        {channel}
        a1.sinks.k1.type = avro
        a1.sinks.k1.hostname = 127.0.0.1
        a1.sinks.k1.port = {port}
        a1.sinks.k1.batch-size = 100
        a1.sinks.k1.channel = c1
        """;

    private static string TaildirSource(TempDir dir) => $"""
        a1.sources.r1.type = TAILDIR
        a1.sources.r1.filegroups = f1
        a1.sources.r1.filegroups.f1 = {dir.File("logs")}/app\.log.*
        a1.sources.r1.positionFile = {dir.File("taildir_position.json")}
        a1.sources.r1.batchSize = 100
        a1.sources.r1.pollInterval = 100
        """;

    private static string SpoolSource(TempDir dir) => $"""
        a1.sources.r1.type = spooldir
        a1.sources.r1.spoolDir = {dir.File("spool")}
        a1.sources.r1.batchSize = 100
        a1.sources.r1.pollDelay = 100
        """;

    /// <summary>Appends numbered lines to logs/app.log, renaming it to app.log.N every <paramref name="rotateEvery"/> lines.</summary>
    private static List<string> WriteRotating(string logs, int total, int rotateEvery, int chunk, Action<int>? afterChunk = null)
    {
        var written = new List<string>(total);
        var rotation = 0;
        var log = Path.Combine(logs, "app.log");
        var w = new StreamWriter(new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
        for (var i = 1; i <= total; i++)
        {
            var line = $"L{i:D6}";
            w.Write(line + "\n");
            written.Add(line);
            if (i % chunk == 0)
            {
                w.Flush();
                afterChunk?.Invoke(i);
            }

            if (i % rotateEvery == 0)
            {
                // Like a logger rotating by rename: the open file gets the new name, writing goes on in a new app.log.
                w.Flush();
                File.Move(log, Path.Combine(logs, $"app.log.{++rotation}"));
                w.Dispose();
                w = new StreamWriter(new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
            }
        }

        w.Dispose();
        return written;
    }

    /// <summary>Drops <paramref name="files"/> complete files of numbered lines into the spool directory (written aside, then renamed in).</summary>
    private static List<string> DropFiles(string spool, int files, int linesPerFile, Action<int>? afterFile = null)
    {
        var written = new List<string>(files * linesPerFile);
        for (var f = 0; f < files; f++)
        {
            var lines = Enumerable.Range(0, linesPerFile).Select(i => $"F{f:D3}-{i:D4}").ToList();
            var tmp = Path.Combine(spool, $".writing-{f}");
            File.WriteAllText(tmp, string.Join('\n', lines) + "\n");
            File.Move(tmp, Path.Combine(spool, $"part-{f:D3}.log"));
            written.AddRange(lines);
            afterFile?.Invoke(f);
        }

        return written;
    }

    private void AssertExactlyOnce(IReadOnlyList<string> expected, IReadOnlyList<string> got)
    {
        var missing = expected.Except(got).ToList();
        output.WriteLine($"{expected.Count} lines written, {got.Count} delivered, {got.Count - got.Distinct().Count()} duplicates, {missing.Count} missing");
        Assert.True(missing.Count == 0, $"{missing.Count} lines never arrived, e.g. {string.Join(", ", missing.Take(5))}");
        var dups = got.GroupBy(b => b).Where(g => g.Count() > 1).ToList();
        Assert.True(dups.Count == 0, $"{dups.Sum(g => g.Count() - 1)} duplicates, e.g. {string.Join(", ", dups.Take(5).Select(g => g.Key))}");
        Assert.Equal(expected.Count, got.Count);
    }

    /// <summary>Waits until the collector has printed every expected line (or times out saying what is missing).</summary>
    private static void WaitForAll(FlumeProcess collector, IReadOnlyList<string> expected, FlumeProcess agent, TimeSpan timeout)
    {
        var got = new HashSet<string>();
        Retry.Until(
            () => (got = LoggerLines.Bodies(collector.Lines).ToHashSet()).IsSupersetOf(expected),
            timeout,
            () => $"{expected.Count(e => !got.Contains(e))} of {expected.Count} lines missing, e.g. {string.Join(", ", expected.Where(e => !got.Contains(e)).Take(5))}. Agent output:\n{agent.Tail(30)}");
    }

    [Fact]
    public void Taildir_rotating_by_rename_delivers_every_line_exactly_once()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("logs"));
        var port = Net.FreePort();
        using var collector = Collector.StartLogger(dir, port);
        var conf = dir.Write("agent.properties", AgentConf(port, TaildirSource(dir), MemoryChannel));
        var agent = FlumeProcess.StartAgent(conf);
        try
        {
            agent.WaitForLine("TaildirSource source starting", Collector.StartTimeout);
            var written = WriteRotating(dir.File("logs"), 9000, 3000, 250, _ => Thread.Sleep(20));

            WaitForAll(collector, written, agent, TimeSpan.FromSeconds(60));
            Thread.Sleep(1500); // a late duplicate would show up within a poll or two
            AssertExactlyOnce(written, LoggerLines.Bodies(collector.Lines));
            Assert.Equal(["app.log", "app.log.1", "app.log.2", "app.log.3"], Directory.GetFiles(dir.File("logs")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(0, agent.CountLines("larger than file size"));
        }
        finally
        {
            agent.Dispose();
        }
    }

    [Fact]
    public void Spooldir_delivers_every_line_exactly_once_and_completes_every_file()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("spool"));
        var port = Net.FreePort();
        using var collector = Collector.StartLogger(dir, port);
        var conf = dir.Write("agent.properties", AgentConf(port, SpoolSource(dir), MemoryChannel));
        const string ready = "SpoolDirectorySource source starting";
        var agent = FlumeProcess.StartAgent(conf);
        try
        {
            agent.WaitForLine(ready, Collector.StartTimeout);
            var written = DropFiles(dir.File("spool"), 12, 500, _ => Thread.Sleep(50));

            WaitForAll(collector, written, agent, TimeSpan.FromSeconds(60));
            Retry.Until(() => Directory.GetFiles(dir.File("spool"), "*.COMPLETED").Length == 12, TimeSpan.FromSeconds(20), () => string.Join(", ", Directory.GetFiles(dir.File("spool"))));
            AssertExactlyOnce(written, LoggerLines.Bodies(collector.Lines));
        }
        finally
        {
            agent.Dispose();
        }
    }

    /// <summary>
    /// Kills the agent with SIGKILL <paramref name="kills"/> times while <paramref name="writer"/> runs, restarting it each
    /// time; returns once the writer is done.
    /// </summary>
    private static async Task<FlumeProcess> KillRepeatedly(FlumeProcess agent, string conf, string ready, int kills, Task writer)
    {
        for (var k = 0; k < kills; k++)
        {
            Thread.Sleep(600 + (k % 3 * 200));
            agent.Signal(9);
            Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(10)), "agent still running 10 s after SIGKILL");
            agent.Dispose();
            agent = FlumeProcess.StartAgent(conf);
            agent.WaitForLine(ready, Collector.StartTimeout);
        }

        await writer.WaitAsync(TimeSpan.FromSeconds(60));
        return agent;
    }

    /// <summary>Every line arrived; duplicates stay within one source batch plus one sink batch per kill.</summary>
    private void AssertNoLossBoundedDuplicates(IReadOnlyList<string> expected, IReadOnlyList<string> got, int kills, int perKill)
    {
        var missing = expected.Except(got).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} lines never arrived, e.g. {string.Join(", ", missing.Take(5))}");
        var dups = got.Count - got.Distinct().Count();
        output.WriteLine($"{expected.Count} lines written, {got.Count} delivered, {dups} duplicates over {kills} SIGKILLs, {missing.Count} missing");
        Assert.True(dups <= kills * perKill, $"{dups} duplicates for {kills} kills (allowed {kills * perKill})");
    }

    [Fact]
    public async Task Taildir_over_a_file_channel_survives_ten_SIGKILLs_while_logs_rotate()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("logs"));
        var port = Net.FreePort();
        using var collector = Collector.StartLogger(dir, port);
        var conf = dir.Write("agent.properties", AgentConf(port, TaildirSource(dir), FileChannel(dir)));
        const string ready = "TaildirSource source starting";
        var agent = FlumeProcess.StartAgent(conf);
        try
        {
            agent.WaitForLine(ready, Collector.StartTimeout);
            var writer = Task.Run(() => WriteRotating(dir.File("logs"), 30000, 3000, 100, _ => Thread.Sleep(25)));
            agent = await KillRepeatedly(agent, conf, ready, 10, writer);
            var written = await writer;
            WaitForAll(collector, written, agent, TimeSpan.FromSeconds(60));
            Thread.Sleep(1500);
            AssertNoLossBoundedDuplicates(written, LoggerLines.Bodies(collector.Lines), 10, 200);
        }
        finally
        {
            agent.Dispose();
        }
    }

    [Fact]
    public async Task Spooldir_over_a_file_channel_survives_ten_SIGKILLs()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("spool"));
        var port = Net.FreePort();
        using var collector = Collector.StartLogger(dir, port);
        var conf = dir.Write("agent.properties", AgentConf(port, SpoolSource(dir), FileChannel(dir)));
        const string ready = "SpoolDirectorySource source starting";
        var agent = FlumeProcess.StartAgent(conf);
        try
        {
            agent.WaitForLine(ready, Collector.StartTimeout);
            var writer = Task.Run(() => DropFiles(dir.File("spool"), 30, 1000, _ => Thread.Sleep(250)));
            agent = await KillRepeatedly(agent, conf, ready, 10, writer);
            var written = await writer;
            WaitForAll(collector, written, agent, TimeSpan.FromSeconds(60));
            Retry.Until(() => Directory.GetFiles(dir.File("spool"), "*.COMPLETED").Length == 30, TimeSpan.FromSeconds(20), () => string.Join(", ", Directory.GetFiles(dir.File("spool"))));
            AssertNoLossBoundedDuplicates(written, LoggerLines.Bodies(collector.Lines), 10, 200);
        }
        finally
        {
            agent.Dispose();
        }
    }
}
