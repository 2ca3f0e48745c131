using System.Text;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using FlumeNet.Sources;
using FlumeNet.Sources.Taildir;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Sources;

public sealed class TaildirSourceTests : IDisposable
{
    private readonly LogCapture _log = new();
    private readonly string _root = Directory.CreateTempSubdirectory("taildir-").FullName;
    private readonly List<TaildirSource> _started = new();

    public TaildirSourceTests()
    {
        Directory.CreateDirectory(Logs);
    }

    private string Logs => Path.Combine(_root, "logs");

    private string PositionPath => Path.Combine(_root, "pos", "taildir_position.json");

    private string Log(string name) => Path.Combine(Logs, name);

    public void Dispose()
    {
        foreach (var s in _started)
        {
            s.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        Directory.Delete(_root, recursive: true);
    }

    private async Task<TaildirSource> Start(IChannel ch, string pattern = @"app\.log.*", params (string Key, string Value)[] extra)
    {
        var props = new List<(string, string)>
        {
            ("filegroups", "f1"),
            ("filegroups.f1", Path.Combine(Logs, pattern)),
            ("positionFile", PositionPath),
            ("pollInterval", "1"),
            ("batchSize", "100"),
        };
        props.RemoveAll(p => extra.Any(e => e.Key == p.Item1));
        props.AddRange(extra);
        var ctx = Ctx.Named("r1", "a1.sources.r1.", props.ToArray());
        var s = new TaildirSource("r1", Replicating(ch), ctx, new BuildServices(_log, TimeProvider.System, new Dictionary<string, string>()));
        Assert.False(ctx.HasErrors, string.Join("; ", ctx.Problems));
        await s.StartAsync(CancellationToken.None);
        _started.Add(s);
        return s;
    }

    private static async Task<List<string>> Poll(TaildirSource s, IChannel ch, int times = 2)
    {
        for (var i = 0; i < times; i++)
        {
            await s.ProcessAsync(CancellationToken.None);
        }

        return Drain(ch);
    }

    private static void Append(string path, string text) => File.AppendAllText(path, text);

    private static ulong Inode(string path) => FileStatus.Of(path)!.Value.Id.Inode;

    private List<PositionEntry> Positions() => PositionFile.Parse(File.ReadAllBytes(PositionPath));

    [Fact]
    public async Task Rename_to_a_matching_name_keeps_the_position_and_each_line_is_read_once()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\na2\n");
        var s = await Start(ch);
        Assert.Equal(["a1", "a2"], await Poll(s, ch));

        Append(Log("app.log"), "a3\n");
        File.Move(Log("app.log"), Log("app.log.1"));
        Append(Log("app.log"), "b1\n");
        Append(Log("app.log.1"), "a4\n");
        var got = await Poll(s, ch);
        Assert.Equal(["a3", "a4", "b1"], got.Order(StringComparer.Ordinal));
        Assert.Empty(await Poll(s, ch));

        var pos = Positions();
        Assert.Contains(new PositionEntry(Inode(Log("app.log.1")), 12, Log("app.log.1")), pos);
        Assert.Contains(new PositionEntry(Inode(Log("app.log")), 3, Log("app.log")), pos);
        Assert.Equal(1, _log.Count(LogLevel.Information, "File renamed: " + Log("app.log") + " -> " + Log("app.log.1")));
    }

    [Fact]
    public async Task Rename_to_a_name_that_does_not_match_reads_the_rest_of_the_old_file_once()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\n");
        var s = await Start(ch, @"app\.log");
        Assert.Equal(["a1"], await Poll(s, ch));

        Append(Log("app.log"), "a2\na3\n");
        File.Move(Log("app.log"), Log("app.log.1"));
        Append(Log("app.log"), "b1\n");
        var got = await Poll(s, ch);
        Assert.Equal(["a2", "a3", "b1"], got.Order(StringComparer.Ordinal));
        Assert.Empty(await Poll(s, ch, 3));
        Assert.Contains(Positions(), p => p.File == Log("app.log.1") && p.Pos == 9);
    }

    [Fact]
    public async Task A_file_renamed_away_is_drained_and_its_last_line_without_newline_is_sent_once_it_is_idle()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\n");
        var s = await Start(ch, @"app\.log", ("idleTimeout", "50"));
        Assert.Equal(["a1"], await Poll(s, ch));

        Append(Log("app.log"), "a2\ntail");
        File.Move(Log("app.log"), Log("app.log.old"));
        Assert.Equal(["a2"], await Poll(s, ch));
        await Task.Delay(150);
        Assert.Equal(["tail"], await Poll(s, ch));
        Assert.Empty(Positions());
        Assert.Empty(await Poll(s, ch));
    }

    [Fact]
    public async Task An_idle_file_is_closed_and_reopened_when_it_grows()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\n");
        var s = await Start(ch, extra: ("idleTimeout", "50"));
        Assert.Equal(["a1"], await Poll(s, ch));
        await Task.Delay(150);
        Assert.Empty(await Poll(s, ch));
        Assert.Equal(1, _log.Count(LogLevel.Information, "Closed file: " + Log("app.log")));
        Append(Log("app.log"), "a2\n");
        Assert.Equal(["a2"], await Poll(s, ch));
        Assert.Equal(2, _log.Count(LogLevel.Information, "Opening file: " + Log("app.log")));
    }

    [Fact]
    public async Task Copytruncate_restarts_the_file_at_0_with_one_warning()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\na2\na3\n");
        var s = await Start(ch);
        Assert.Equal(["a1", "a2", "a3"], await Poll(s, ch));

        using (var f = new FileStream(Log("app.log"), FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            f.SetLength(0);
        }

        Append(Log("app.log"), "x1\n");
        Assert.Equal(["x1"], await Poll(s, ch, 3));
        Assert.Equal(1, _log.Count(LogLevel.Warning, "is larger than file size! Restarting from pos 0, file: " + Log("app.log")));
    }

    [Fact]
    public async Task A_deleted_file_is_read_to_its_end_then_forgotten()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\n");
        var s = await Start(ch);
        Assert.Equal(["a1"], await Poll(s, ch));

        Append(Log("app.log"), "a2\nlast-without-newline");
        File.Delete(Log("app.log"));
        Assert.Equal(["a2", "last-without-newline"], await Poll(s, ch, 3));
        Assert.Empty(Positions());
        Assert.Equal(0, new FileInfo(PositionPath).Length);
    }

    [Fact]
    public async Task A_new_matching_file_is_picked_up_and_other_names_are_not()
    {
        var ch = Memory(capacity: 1000);
        var s = await Start(ch);
        Assert.Empty(await Poll(s, ch));
        Append(Log("app.log.7"), "n1\n");
        Append(Log("other.txt"), "x\n");
        Assert.Equal(["n1"], await Poll(s, ch));
    }

    [Fact]
    public async Task A_line_without_its_newline_waits_until_it_is_complete()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "abc");
        var s = await Start(ch);
        Assert.Empty(await Poll(s, ch));
        Append(Log("app.log"), "def\r\nghi");
        Assert.Equal(["abcdef"], await Poll(s, ch));
        Assert.Equal(5 + 3, Positions().Single().Pos);
    }

    [Fact]
    public async Task Multibyte_utf8_split_across_writes_and_reads_is_passed_through_byte_for_byte()
    {
        var ch = Memory(capacity: 1000);
        var line = string.Concat(Enumerable.Repeat("é€😀ж", 40_000));
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        var s = await Start(ch);

        // The first write ends in the middle of a 4-byte character; the line is longer than the read buffer.
        var cut = Encoding.UTF8.GetByteCount("é€") + 2;
        await using (var f = new FileStream(Log("app.log"), FileMode.Append))
        {
            f.Write(bytes, 0, cut);
        }

        Assert.Empty(await Poll(s, ch));
        await using (var f = new FileStream(Log("app.log"), FileMode.Append))
        {
            f.Write(bytes, cut, bytes.Length - cut);
        }

        var got = Assert.Single(await Poll(s, ch));
        Assert.Equal(line, got);
    }

    [Fact]
    public async Task A_position_file_written_by_Flume_is_honoured()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\na2\na3\n");
        Append(Log("app.log.1"), "old1\nold2\n");
        Directory.CreateDirectory(Path.GetDirectoryName(PositionPath)!);
        File.WriteAllText(PositionPath, $"[{{\"inode\":{Inode(Log("app.log.1"))},\"pos\":10,\"file\":\"{Log("app.log.1")}\"}},{{\"inode\":{Inode(Log("app.log"))},\"pos\":3,\"file\":\"{Log("app.log")}\"}},{{\"inode\":1,\"pos\":5,\"file\":\"{Log("gone.log")}\"}}]");
        var s = await Start(ch);
        Assert.Equal(["a2", "a3"], await Poll(s, ch));
        Assert.Equal(1, _log.Count(LogLevel.Information, "Missing file: " + Log("gone.log")));
        Assert.Equal(0, _log.Count(LogLevel.Warning, string.Empty));
    }

    [Fact]
    public async Task A_position_file_of_a_renamed_file_is_honoured_under_its_new_name()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\na2\n");
        Directory.CreateDirectory(Path.GetDirectoryName(PositionPath)!);
        File.WriteAllText(PositionPath, PositionFile.Format([new PositionEntry(Inode(Log("app.log")), 3, Log("app.log"))]));
        File.Move(Log("app.log"), Log("app.log.1"));
        Append(Log("app.log"), "b1\n");
        var s = await Start(ch, @"app\.log");
        Assert.Equal(["a2", "b1"], (await Poll(s, ch)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("[{\"inode\":12,\"pos\"", false)]
    [InlineData("[{\"inode\":12,\"file\":\"/x\"}]", true)]
    [InlineData(null, false)]
    [InlineData(null, true)]
    public async Task A_corrupt_or_missing_position_file_is_one_warning_and_files_start_per_skipToEnd(string? content, bool skipToEnd)
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\n");
        if (content is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(PositionPath)!);
            File.WriteAllText(PositionPath, content);
        }

        var s = await Start(ch, extra: ("skipToEnd", skipToEnd ? "true" : "false"));
        Append(Log("app.log"), "a2\n");
        Assert.Equal(skipToEnd ? ["a2"] : ["a1", "a2"], await Poll(s, ch));
        Assert.Equal(1, _log.Entries.Count(e => e.Level == LogLevel.Warning));
        Assert.Single(_log.Messages, m => m.Contains(PositionPath, StringComparison.Ordinal) && m.Contains("skipToEnd = " + (skipToEnd ? "true" : "false"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Channel_full_backs_off_and_re_reads_the_same_lines()
    {
        var ch = Memory(capacity: 3, txCapacity: 100);
        Append(Log("app.log"), "a1\na2\n");
        PutCommit(ch, "x", "y");
        var s = await Start(ch);
        Assert.Equal(SourceStatus.Backoff, await s.ProcessAsync(CancellationToken.None));
        Assert.Equal(1, _log.Count(LogLevel.Warning, "The channel is full or unexpected failure. The source will try again after 1000 ms"));
        Assert.Equal(0, Positions().Single().Pos);
        Assert.Equal(["x", "y"], Drain(ch));
        Assert.Equal(["a1", "a2"], await Poll(s, ch));
        Assert.Equal(6, Positions().Single().Pos);
        Assert.Equal(1, s.Counters.Get("ChannelWriteFail"));
        Assert.Equal(2, s.Counters.Get("EventAcceptedCount"));
        Assert.Equal(4, s.Counters.Get("EventReceivedCount"));
    }

    [Fact]
    public async Task Stop_saves_positions_and_a_new_source_continues_where_it_stopped()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\n");
        var s = await Start(ch);
        Assert.Equal(["a1"], await Poll(s, ch));
        await s.StopAsync(CancellationToken.None);
        Append(Log("app.log"), "a2\n");
        var again = await Start(ch);
        Assert.Equal(["a2"], await Poll(again, ch));
    }

    [Fact]
    public async Task Headers_of_the_group_file_and_byte_offset_are_added()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), "a1\na2\n");
        var s = await Start(ch, extra: [("headers.f1.topic", "t1"), ("fileHeader", "true"), ("fileHeaderKey", "path"), ("byteOffsetHeader", "true")]);
        await s.ProcessAsync(CancellationToken.None);
        using var tx = ch.BeginTransaction();
        tx.Take();
        var e = tx.Take()!;
        tx.Commit();
        Assert.Equal("t1", e.Headers["topic"]);
        Assert.Equal(Log("app.log"), e.Headers["path"]);
        Assert.Equal("3", e.Headers["byteoffset"]);
    }

    [Fact]
    public async Task MaxBatchCount_cuts_a_file_short_and_the_next_poll_goes_on()
    {
        var ch = Memory(capacity: 1000);
        Append(Log("app.log"), string.Concat(Enumerable.Range(0, 10).Select(i => $"l{i}\n")));
        var s = await Start(ch, extra: [("batchSize", "2"), ("maxBatchCount", "2")]);
        await s.ProcessAsync(CancellationToken.None);
        Assert.Equal(4, Drain(ch).Count);
        Assert.Equal(6, (await Poll(s, ch, 4)).Count);
    }

    [Fact]
    public void An_atomic_write_replaces_the_file_and_a_crash_between_its_steps_leaves_a_readable_copy()
    {
        var path = Path.Combine(_root, "p.json");
        PositionFile.WriteAtomically(path, "[1]");
        PositionFile.WriteAtomically(path, "[2]");
        Assert.Equal("[2]", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".tmp"));

        // What a kill after the removal and before the rename leaves behind.
        File.Move(path, path + ".tmp");
        Assert.Equal("[2]", Encoding.UTF8.GetString(PositionFile.Read(path)));
        Assert.Throws<FileNotFoundException>(() => PositionFile.Read(Path.Combine(_root, "none.json")));
    }

    [Fact]
    public void Position_file_format_is_Flumes_byte_for_byte()
    {
        // As written by Flume 1.11 (shared/observed/taildir_position.json).
        const string observed = """
            [{"inode":11658723,"pos":27000,"file":"/var/log/app/app.log.1"},{"inode":11658565,"pos":27000,"file":"/var/log/app/app.log.2"},{"inode":11658726,"pos":27000,"file":"/var/log/app/app.log.3"},{"inode":11658727,"pos":27000,"file":"/var/log/app/app.log.4"},{"inode":11658728,"pos":27000,"file":"/var/log/app/app.log.5"},{"inode":11657834,"pos":27000,"file":"/var/log/app/app.log.6"},{"inode":11658005,"pos":27000,"file":"/var/log/app/app.log.7"},{"inode":11658079,"pos":27000,"file":"/var/log/app/app.log.8"},{"inode":11658206,"pos":27000,"file":"/var/log/app/app.log.9"},{"inode":11658431,"pos":27000,"file":"/var/log/app/app.log.10"},{"inode":11657308,"pos":0,"file":"/var/log/app/app.log"}]
            """;
        Assert.Equal(observed, PositionFile.Format(PositionFile.Parse(Encoding.UTF8.GetBytes(observed))));
        Assert.Equal(
            "[{\"inode\":1,\"pos\":2,\"file\":\"/a/x\\u003cy\\u003e\\u0026\\u003d\\u0027\\\"\\\\\\u0001é.log\"}]",
            PositionFile.Format([new PositionEntry(1, 2, "/a/x<y>&='\"\\\u0001é.log")]));
        Assert.Equal(string.Empty, PositionFile.Format([]));
    }

    [Fact]
    public void Configuration_errors_name_the_key()
    {
        var ctx = Ctx.Named("r1", "a1.sources.r1.", ("filegroups", "f1 f2"), ("filegroups.f1", "/does/not/exist/x.log"), ("filegroups.f2", Path.Combine(Logs, "a(")), ("positionFile", PositionPath));
        _ = new TaildirSource("r1", Replicating(Memory()), ctx, new BuildServices(_log, TimeProvider.System, new Dictionary<string, string>()));
        Assert.Contains(ctx.Problems, p => p.Key == "a1.sources.r1.filegroups.f1" && p.Message.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains(ctx.Problems, p => p.Key == "a1.sources.r1.filegroups.f2" && p.Message.Contains("regular expression", StringComparison.Ordinal));
        var none = Ctx.Named("r1", "a1.sources.r1.");
        _ = new TaildirSource("r1", Replicating(Memory()), none, new BuildServices(_log, TimeProvider.System, new Dictionary<string, string>()));
        Assert.Contains(none.Problems, p => p.Key == "a1.sources.r1.filegroups");
    }

    [Fact]
    public void Registry_knows_the_alias_in_any_case_and_the_class_name()
    {
        Assert.NotNull(ComponentRegistry.Default.Find(FlumeNet.Configuration.ComponentKind.Source, "taildir"));
        Assert.NotNull(ComponentRegistry.Default.Find(FlumeNet.Configuration.ComponentKind.Source, "TAILDIR"));
        Assert.NotNull(ComponentRegistry.Default.Find(FlumeNet.Configuration.ComponentKind.Source, "org.apache.flume.source.taildir.TaildirSource"));
        Assert.NotNull(ComponentRegistry.Default.Find(FlumeNet.Configuration.ComponentKind.Source, "org.apache.flume.source.SpoolDirectorySource"));
    }
}
