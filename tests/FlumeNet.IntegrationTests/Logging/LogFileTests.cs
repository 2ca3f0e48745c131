using System.Text.RegularExpressions;
using FlumeNet.Agent;
using FlumeNet.IntegrationTests.Harness;
using Serilog.Events;
using Serilog.Parsing;

namespace FlumeNet.IntegrationTests.Logging;

/// <summary>The LOGFILE appender: Flume's file layout, rolling by size and by day, a bounded number of old files.</summary>
public sealed partial class LogFileTests
{
    [Fact]
    public void Rolls_by_size_into_a_bounded_archive_and_keeps_the_current_name()
    {
        using var dir = new TempDir();
        var options = new LogFileOptions(dir.Path, "flume.log", MaxBytes: 2048, MaxBackups: 3);
        using (var file = new RollingLogFile(options, new LogFileLayout()))
        {
            for (var i = 0; i < 200; i++)
            {
                file.Emit(Event(DateTimeOffset.Now, $"message {i:D3}"));
            }
        }

        var archives = Directory.GetFiles(options.ArchiveDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, archives.Count);
        Assert.All(archives, a => Assert.Matches(@"^flume\.log\.\d{8}-\d+$", a!));
        Assert.All(Directory.GetFiles(options.ArchiveDirectory), a => Assert.InRange(new FileInfo(a).Length, 2048, 2048 + 200));
        var current = File.ReadAllLines(options.Path);
        Assert.EndsWith("message 199", current[^1], StringComparison.Ordinal);
        Assert.All(current, l => Assert.Matches(FileLine(), l));

        // The archives hold the lines just before the current file's, in order, with nothing lost in between.
        var kept = Directory.GetFiles(options.ArchiveDirectory).OrderBy(f => int.Parse(f[(f.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .SelectMany(File.ReadAllLines).Concat(current).Select(l => int.Parse(l[^3..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(kept[0], kept.Count), kept);
    }

    [Fact]
    public void Rolls_at_the_first_line_of_a_new_day()
    {
        using var dir = new TempDir();
        var options = new LogFileOptions(dir.Path, "agent.log", MaxBytes: LogFileOptions.DefaultMaxBytes, MaxBackups: 20);
        var yesterday = DateTimeOffset.Now.AddDays(-1);
        using (var file = new RollingLogFile(options, new LogFileLayout()))
        {
            file.Emit(Event(yesterday, "late"));
            file.Emit(Event(DateTimeOffset.Now, "early"));
        }

        var archived = Path.Combine(options.ArchiveDirectory, "agent.log." + yesterday.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture) + "-1");
        Assert.EndsWith("- late", File.ReadAllText(archived).TrimEnd(), StringComparison.Ordinal);
        Assert.EndsWith("- early", File.ReadAllText(options.Path).TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Agent_writes_console_and_LOGFILE_when_both_are_asked()
    {
        using var dir = new TempDir();
        var logs = dir.File("logs");
        var conf = dir.Write("a1.properties", FlumeNet.IntegrationTests.Monitoring.SeqConf.Of("r1", "c1", "k1", 300, "logger"));
        using var agent = FlumeProcess.Start(
            ["agent", "-n", "a1", "-f", conf, "--no-reload-conf", "-Dflume.root.logger=INFO,console,LOGFILE", $"-Dflume.log.dir={logs}", "-Dflume.log.file=a1.log", "-Dflume.log.maxsize=8KB", "-Dflume.log.maxbackups=2"],
            "agent logging to console and file");
        Retry.Until(() => LoggerLines.Bodies(agent.Lines).Count == 300, TimeSpan.FromSeconds(30), () => "events not logged\n" + agent.Tail());
        Retry.Until(() => File.Exists(Path.Combine(logs, "a1.log")) && Directory.Exists(Path.Combine(logs, "archive")) && Directory.GetFiles(Path.Combine(logs, "archive")).Length == 2, TimeSpan.FromSeconds(30), () => "no rolled log files");
        Assert.Contains(agent.Lines, l => l.Contains("[INFO - org.apache.flume.node.Application] Starting Channel c1", StringComparison.Ordinal));

        var all = Directory.GetFiles(Path.Combine(logs, "archive")).Append(Path.Combine(logs, "a1.log")).SelectMany(File.ReadAllLines).ToList();
        Assert.Contains(all, l => l.EndsWith(" INFO  [SinkRunner-PollingRunner-DefaultSinkProcessor] (org.apache.flume.sink.LoggerSink.process:95)  - Event: { headers:{} body: 32 39 39                                        299 }", StringComparison.Ordinal));
        Assert.All(Directory.GetFiles(Path.Combine(logs, "archive")), a => Assert.InRange(new FileInfo(a).Length, 8 * 1024, 9 * 1024));
    }

    [Fact]
    public void LOGFILE_alone_leaves_the_console_quiet()
    {
        using var dir = new TempDir();
        var conf = dir.Write("a1.properties", FlumeNet.IntegrationTests.Monitoring.SeqConf.Of("r1", "c1", "k1", 5, "logger"));
        var file = Path.Combine(dir.Path, "logs", "flume.log");
        using var agent = FlumeProcess.Start(["agent", "-n", "a1", "-f", conf, "--no-reload-conf", "-Dflume.root.logger=DEBUG,LOGFILE", $"-Dflume.log.dir={Path.GetDirectoryName(file)}"], "agent logging to a file");
        Retry.Until(() => File.Exists(file) && LoggerLines.Bodies(ReadShared(file)).Count == 5, TimeSpan.FromSeconds(30), () => "events not in the log file\n" + agent.Tail());
        Assert.DoesNotContain(agent.Lines, l => l.Contains("[INFO", StringComparison.Ordinal) || l.Contains("Event: {", StringComparison.Ordinal));
        Assert.All(ReadShared(file), l => Assert.Matches(FileLine(), l));
    }

    private static List<string> ReadShared(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(s);
        return r.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static LogEvent Event(DateTimeOffset when, string text) =>
        new(when, LogEventLevel.Information, null, new MessageTemplateParser().Parse(text), [new LogEventProperty("SourceContext", new ScalarValue("org.apache.flume.node.Application")), new LogEventProperty("ThreadName", new ScalarValue("main"))]);

    /// <summary><c>30 Nov 2026 06:15:42,701 INFO  [main] (org.apache.flume.node.Application)  - text</c>.</summary>
    [GeneratedRegex(@"^\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2},\d{3} (INFO |DEBUG|WARN |ERROR|TRACE) \[[^\]]+\] \([^ ]+\)  - ")]
    private static partial Regex FileLine();
}
