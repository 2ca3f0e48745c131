using System.Text;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using FlumeNet.Sources;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Sources;

public sealed class SpoolDirectorySourceTests : IDisposable
{
    private readonly LogCapture _log = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("spool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private async Task<SpoolDirectorySource> Start(IChannel ch, params (string Key, string Value)[] extra)
    {
        var props = new Dictionary<string, string>(StringComparer.Ordinal) { ["spoolDir"] = _dir, ["pollDelay"] = "1" };
        foreach (var (k, v) in extra)
        {
            props[k] = v;
        }

        var ctx = Ctx.Named("r1", "a1.sources.r1.", props.Select(p => (p.Key, p.Value)).ToArray());
        var s = new SpoolDirectorySource("r1", Replicating(ch), ctx, new BuildServices(_log, TimeProvider.System, new Dictionary<string, string>()));
        Assert.False(ctx.HasErrors, string.Join("; ", ctx.Problems));
        await s.StartAsync(CancellationToken.None);
        return s;
    }

    private static async Task<List<string>> Poll(SpoolDirectorySource s, IChannel ch, int times = 6)
    {
        for (var i = 0; i < times; i++)
        {
            await s.ProcessAsync(CancellationToken.None);
        }

        return Drain(ch);
    }

    private void Drop(string name, string content, int ageSeconds = 0)
    {
        File.WriteAllText(P(name), content);
        File.SetLastWriteTimeUtc(P(name), DateTime.UtcNow.AddSeconds(-ageSeconds));
    }

    [Fact]
    public async Task Files_are_read_oldest_first_and_renamed_with_the_suffix()
    {
        var ch = Memory(capacity: 1000);
        Drop("b.log", "b1\r\nb2", ageSeconds: 10);
        Drop("a.log", "a1\n", ageSeconds: 5);
        Drop(".hidden", "h\n");
        var s = await Start(ch, ("fileHeader", "true"), ("basenameHeader", "true"));
        Assert.Equal(["b1\r", "b2", "a1"], await Poll(s, ch));
        Assert.True(File.Exists(P("b.log.COMPLETED")));
        Assert.True(File.Exists(P("a.log.COMPLETED")));
        Assert.False(File.Exists(P("a.log")));
        Assert.Equal(1, _log.Count(LogLevel.Information, $"Preparing to move file {P("a.log")} to {P("a.log.COMPLETED")}"));
        await s.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Youngest_order_include_and_ignore_patterns()
    {
        var ch = Memory(capacity: 1000);
        Drop("x1.log", "old\n", ageSeconds: 10);
        Drop("x2.log", "new\n", ageSeconds: 1);
        Drop("x3.tmp", "tmp\n");
        Drop("skip.log", "skip\n");
        var s = await Start(ch, ("consumeOrder", "youngest"), ("includePattern", @".*\.log"), ("ignorePattern", "skip.*"));
        Assert.Equal(["new", "old"], await Poll(s, ch));
        Assert.True(File.Exists(P("x3.tmp")));
        Assert.True(File.Exists(P("skip.log")));
    }

    [Fact]
    public async Task DeletePolicy_immediate_deletes_and_tracker_dir_keeps_the_file()
    {
        var ch = Memory(capacity: 1000);
        Drop("a.log", "a1\n");
        var s = await Start(ch, ("deletePolicy", "immediate"));
        Assert.Equal(["a1"], await Poll(s, ch));
        Assert.Empty(Directory.GetFiles(_dir));

        Drop("t.log", "t1\n");
        var tracker = await Start(ch, ("trackingPolicy", "tracker_dir"), ("trackerDir", P("track")));
        Assert.Equal(["t1"], await Poll(tracker, ch));
        Assert.True(File.Exists(P("t.log")));
        Assert.True(File.Exists(Path.Combine(P("track"), "t.log.COMPLETED")));
        Assert.Empty(await Poll(tracker, ch));
    }

    [Fact]
    public async Task Recursive_search_reads_subdirectories()
    {
        var ch = Memory(capacity: 1000);
        Directory.CreateDirectory(P("sub"));
        Drop(Path.Combine("sub", "s.log"), "s1\n");
        var flat = await Start(ch);
        Assert.Empty(await Poll(flat, ch));
        var deep = await Start(ch, ("recursiveDirectorySearch", "true"));
        Assert.Equal(["s1"], await Poll(deep, ch));
        Assert.True(File.Exists(P(Path.Combine("sub", "s.log.COMPLETED"))));
    }

    [Fact]
    public async Task A_reused_completed_name_is_one_error_and_the_other_files_go_on()
    {
        var ch = Memory(capacity: 1000);
        Drop("a.log.COMPLETED", "old\n");
        Drop("a.log", "again\n", ageSeconds: 10);
        Drop("b.log", "b1\n");
        var s = await Start(ch);
        Assert.Equal(["b1"], await Poll(s, ch));
        Assert.Equal(1, _log.Count(LogLevel.Error, $"Spooling assumptions violated for {P("a.log.COMPLETED")}"));
        Assert.True(File.Exists(P("a.log")));
    }

    [Fact]
    public async Task A_file_changed_after_pickup_is_one_error_and_the_other_files_go_on()
    {
        var ch = Memory(capacity: 1000);
        Drop("a.log", "a1\na2\na3\n", ageSeconds: 10);
        var s = await Start(ch, ("batchSize", "1"));
        await s.ProcessAsync(CancellationToken.None);
        File.AppendAllText(P("a.log"), "late\n");
        Drop("b.log", "b1\n");
        var got = await Poll(s, ch, 10);
        Assert.Equal(["a1", "a2", "a3", "late", "b1"], got);
        Assert.Equal(1, _log.Count(LogLevel.Error, "File has been modified since being read: " + P("a.log")));
        Assert.True(File.Exists(P("a.log")));
        Assert.True(File.Exists(P("b.log.COMPLETED")));
    }

    [Fact]
    public async Task After_a_kill_the_file_resumes_at_the_last_committed_line()
    {
        var ch = Memory(capacity: 1000);
        Drop("a.log", "l1\nl2\nl3\nl4\nl5\n");
        var killed = await Start(ch, ("batchSize", "2"));
        await killed.ProcessAsync(CancellationToken.None);
        Assert.Equal(["l1", "l2"], Drain(ch));

        // No stop: a new source instance finds only what the first one saved after its committed batch.
        var s = await Start(ch, ("batchSize", "2"));
        Assert.Equal(["l3", "l4", "l5"], await Poll(s, ch));
        Assert.True(File.Exists(P("a.log.COMPLETED")));
    }

    [Fact]
    public async Task Decode_error_policies()
    {
        var bad = new byte[] { (byte)'o', (byte)'k', 10, (byte)'b', 0xC3, 0x28, (byte)'d', 10, (byte)'z', 10 };
        var ch = Memory(capacity: 1000);
        File.WriteAllBytes(P("f.log"), bad);
        var fail = await Start(ch);
        Drop("g.log", "g1\n", ageSeconds: -5);
        Assert.Equal(["ok", "g1"], await Poll(fail, ch));
        Assert.Equal(1, _log.Count(LogLevel.Error, "Cannot decode " + P("f.log") + " at byte 3"));
        Assert.True(File.Exists(P("f.log")));

        var replace = await Start(ch, ("decodeErrorPolicy", "REPLACE"));
        Assert.Equal(["ok", "b\uFFFD(d", "z"], await Poll(replace, ch));
        File.Move(P("f.log.COMPLETED"), P("h.log"));
        var ignore = await Start(ch, ("decodeErrorPolicy", "IGNORE"));
        Assert.Equal(["ok", "b(d", "z"], await Poll(ignore, ch));
    }

    [Fact]
    public async Task A_long_line_is_cut_into_events_of_maxLineLength_chars_and_outputCharset_applies()
    {
        var ch = Memory(capacity: 1000);
        Drop("b.log", "abcdefg\né\n");
        var s = await Start(ch, ("deserializer", "LINE"), ("deserializer.maxLineLength", "3"), ("deserializer.outputCharset", "ISO-8859-1"));
        for (var i = 0; i < 3; i++)
        {
            await s.ProcessAsync(CancellationToken.None);
        }

        var bodies = new List<byte[]>();
        using (var tx = ch.BeginTransaction())
        {
            while (tx.Take() is { } e)
            {
                bodies.Add(e.BodyArray);
            }

            tx.Commit();
        }

        Assert.Equal(["abc", "def", "g", "?"], bodies.Select(b => b.Length == 1 && b[0] == 0xE9 ? "?" : Encoding.ASCII.GetString(b)));
        Assert.Equal(1, _log.Count(LogLevel.Warning, "Line length exceeds max (3), truncating line!"));
    }

    [Fact]
    public async Task Channel_full_warns_and_retries_the_same_batch()
    {
        var ch = Memory(capacity: 2, txCapacity: 100);
        PutCommit(ch, "x");
        Drop("a.log", "a1\na2\n");
        var s = await Start(ch);
        Assert.Equal(SourceStatus.Backoff, await s.ProcessAsync(CancellationToken.None));
        Assert.Equal(1, _log.Count(LogLevel.Warning, "The channel is full, and cannot write data now. The source will try again after 250 milliseconds"));
        Assert.Equal(["x"], Drain(ch));
        Assert.Equal(["a1", "a2"], await Poll(s, ch, 2));
    }

    [Fact]
    public void Invalid_values_name_the_key()
    {
        var ctx = Ctx.Named("r1", "a1.sources.r1.", ("spoolDir", _dir), ("deletePolicy", "later"), ("consumeOrder", "first"), ("decodeErrorPolicy", "x"), ("inputCharset", "UTF-16"), ("deserializer", "AVRO"));
        _ = new SpoolDirectorySource("r1", Replicating(Memory()), ctx, new BuildServices(_log, TimeProvider.System, new Dictionary<string, string>()));
        var keys = ctx.Problems.Select(p => p.Key).ToHashSet();
        Assert.Subset(keys, new HashSet<string> { "a1.sources.r1.deletePolicy", "a1.sources.r1.consumeOrder", "a1.sources.r1.decodeErrorPolicy", "a1.sources.r1.inputCharset", "a1.sources.r1.deserializer" });
        var missing = Ctx.Named("r1", "a1.sources.r1.", ("spoolDir", P("nope")));
        _ = new SpoolDirectorySource("r1", Replicating(Memory()), missing, new BuildServices(_log, TimeProvider.System, new Dictionary<string, string>()));
        Assert.Equal("a1.sources.r1.spoolDir", Assert.Single(missing.Problems).Key);
    }
}
