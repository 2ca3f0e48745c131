using FlumeNet.Channels;
using FlumeNet.Channels.File;
using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Channels;

/// <summary>The file channel's format, recovery and limits, on real files in a temporary directory.</summary>
public sealed class FileChannelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("flumenet-fc-").FullName;
    private readonly List<FileChannel> _open = new();

    public void Dispose()
    {
        foreach (var ch in _open)
        {
            ch.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Committed_events_survive_a_restart_in_order_with_headers()
    {
        var ch = await OpenAsync("d");
        using (var tx = ch.BeginTransaction())
        {
            tx.Put(Ev("one", ("h", "v"), ("k", "ü")));
            tx.Put(Ev(string.Empty));
            tx.Commit();
        }

        PutCommit(ch, "three");
        await ch.StopAsync(CancellationToken.None);

        var again = await OpenAsync("d");
        Assert.Equal(3, again.Backlog);
        using var t = again.BeginTransaction();
        var first = t.Take()!;
        Assert.Equal("one", Text(first));
        Assert.Equal("v", first.Headers["h"]);
        Assert.Equal("ü", first.Headers["k"]);
        Assert.Equal(string.Empty, Text(t.Take()!));
        Assert.Equal("three", Text(t.Take()!));
        Assert.Null(t.Take());
        t.Commit();
    }

    [Fact]
    public async Task Committed_take_is_not_redelivered_and_an_uncommitted_take_reappears_after_a_crash()
    {
        var ch = await OpenAsync("d");
        PutCommit(ch, "a", "b", "c", "d");
        using (var tx = ch.BeginTransaction())
        {
            Assert.Equal("a", Text(tx.Take()!));
            tx.Commit();
        }

        var open = ch.BeginTransaction();
        Assert.Equal("b", Text(open.Take()!));

        // The files as a SIGKILL would leave them: copied while the channel is running, transaction open.
        var crashed = CopyState("d", "crash");
        open.Rollback();
        open.Dispose();

        var after = await OpenAsync(crashed);
        Assert.Equal(["b", "c", "d"], Drain(after));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Crash_at_every_byte_of_the_last_transaction_keeps_exactly_the_committed_events(bool withoutCheckpoint)
    {
        var ch = await OpenAsync("d");
        PutCommit(ch, "e1", "e2");
        using (var tx = ch.BeginTransaction())
        {
            Assert.Equal("e1", Text(tx.Take()!));
            tx.Commit();
        }

        var segment = LastSegment("d");
        var before = new FileInfo(segment).Length;
        using (var tx = ch.BeginTransaction())
        {
            // The last transaction takes one event and puts two.
            Assert.Equal("e2", Text(tx.Take()!));
            tx.Put(Ev("e3", ("h", "x")));
            tx.Put(Ev("e4"));
            tx.Commit();
        }

        var full = CopyState("d", "full");
        var fullSegment = Path.Combine(full, "data", Path.GetFileName(segment));
        var after = new FileInfo(fullSegment).Length;
        Assert.True(after > before);
        for (var cut = before; cut <= after; cut++)
        {
            var dir = CopyTree(full, $"cut{cut}");
            using (var fs = new FileStream(Path.Combine(dir, "data", Path.GetFileName(segment)), FileMode.Open))
            {
                fs.SetLength(cut);
            }

            if (withoutCheckpoint)
            {
                System.IO.File.Delete(Path.Combine(dir, "checkpoint", "checkpoint"));
            }

            var logs = new LogCapture();
            var reopened = await OpenAsync(dir, logs: logs);
            var expected = cut == after ? new[] { "e3", "e4" } : new[] { "e2" };
            Assert.Equal(expected, Drain(reopened));
            var torn = logs.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("torn", StringComparison.Ordinal));
            Assert.True(torn <= 1, $"cut {cut}: {torn} torn warnings");
            Assert.Equal(0, logs.Entries.Count(e => e.Level == LogLevel.Error));
            await reopened.StopAsync(CancellationToken.None);
            _open.Remove(reopened);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Torn_last_record_is_cut_with_one_warning_naming_file_and_offset()
    {
        var ch = await OpenAsync("d");
        PutCommit(ch, "kept");
        var segment = LastSegment("d");
        var good = new FileInfo(segment).Length;
        PutCommit(ch, "torn-away");
        var dir = CopyState("d", "torn");
        var copy = Path.Combine(dir, "data", Path.GetFileName(segment));
        using (var fs = new FileStream(copy, FileMode.Open))
        {
            fs.SetLength(good + 5);
        }

        var logs = new LogCapture();
        var reopened = await OpenAsync(dir, logs: logs);
        Assert.Equal(["kept"], Drain(reopened));
        var warn = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(copy, warn.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {good}", warn.Message, StringComparison.Ordinal);
        Assert.Equal(good, new FileInfo(copy).Length);
    }

    [Fact]
    public async Task Damage_in_the_middle_is_reported_once_kept_aside_counted_and_what_follows_is_replayed()
    {
        var ch = await OpenAsync("d");
        PutCommit(ch, "before");
        var segment = LastSegment("d");
        var damagedAt = new FileInfo(segment).Length;
        PutCommit(ch, "victim-event-body");
        PutCommit(ch, "after1", "after2");
        var dir = CopyState("d", "damaged");
        var copy = Path.Combine(dir, "data", Path.GetFileName(segment));
        using (var fs = new FileStream(copy, FileMode.Open))
        {
            fs.Position = damagedAt + 12;
            fs.Write("XXXX"u8);
        }

        var logs = new LogCapture();
        var reopened = await OpenAsync(dir, logs: logs);
        Assert.Equal(["before", "after1", "after2"], Drain(reopened));
        var error = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains(copy, error.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {damagedAt}", error.Message, StringComparison.Ordinal);
        Assert.Contains("bytes", error.Message, StringComparison.Ordinal);
        Assert.True(System.IO.File.Exists(copy + ".damaged-" + damagedAt));
        Assert.Equal(1, reopened.Counters.Get("DamagedLogRegionCount"));
        Assert.DoesNotContain(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("torn", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lost_checkpoint_means_a_full_replay_with_the_same_result()
    {
        var ch = await OpenAsync("d");
        PutCommit(ch, "a", "b", "c");
        ch.Checkpoint();
        using (var tx = ch.BeginTransaction())
        {
            tx.Take();
            tx.Commit();
        }

        PutCommit(ch, "d");
        var dir = CopyState("d", "nocp");
        System.IO.File.Delete(Path.Combine(dir, "checkpoint", "checkpoint"));
        var logs = new LogCapture();
        var reopened = await OpenAsync(dir, logs: logs);
        Assert.Equal(["b", "c", "d"], Drain(reopened));
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("replaying all data files", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stale_checkpoints_old_or_pointing_at_deleted_files_still_give_the_right_queue()
    {
        var ch = await OpenAsync("d", maxFileSize: 150);
        PutCommit(ch, "a", "b");
        ch.Checkpoint();
        var old = System.IO.File.ReadAllBytes(Path.Combine(_root, "d", "checkpoint", "checkpoint"));
        for (var i = 0; i < 6; i++)
        {
            PutCommit(ch, "x" + i + new string('.', 100)); // one data file each
        }

        Assert.Equal(["a", "b", "x0", "x1"], TakeCommit(ch, 4).Select(s => s.TrimEnd('.')));
        ch.Checkpoint(); // deletes the files of a and b: the old checkpoint now refers to a file that is gone
        Assert.DoesNotContain(1, ch.SegmentIds());

        var dir = CopyState("d", "stale");
        System.IO.File.WriteAllBytes(Path.Combine(dir, "checkpoint", "checkpoint"), old);
        var logs = new LogCapture();
        var reopened = await OpenAsync(dir, logs: logs, maxFileSize: 150);
        Assert.Equal(["x2", "x3", "x4", "x5"], Drain(reopened).Select(s => s.TrimEnd('.')));
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("stale checkpoint", StringComparison.Ordinal));

        // An older checkpoint whose files all exist: replay from its position gives the same queue.
        var ch2 = await OpenAsync("e");
        PutCommit(ch2, "p", "q");
        ch2.Checkpoint();
        var older = System.IO.File.ReadAllBytes(Path.Combine(_root, "e", "checkpoint", "checkpoint"));
        Assert.Equal(["p"], TakeCommit(ch2, 1));
        PutCommit(ch2, "r");
        var dir2 = CopyState("e", "older");
        System.IO.File.WriteAllBytes(Path.Combine(dir2, "checkpoint", "checkpoint"), older);
        Assert.Equal(["q", "r"], Drain(await OpenAsync(dir2)));
    }

    [Fact]
    public async Task Data_files_whose_events_were_all_taken_are_deleted_at_the_next_checkpoint()
    {
        var ch = await OpenAsync("d", maxFileSize: 300);
        for (var i = 0; i < 20; i++)
        {
            PutCommit(ch, $"event-{i:D3}-with-some-padding-to-fill-files");
        }

        var many = ch.SegmentIds().Length;
        Assert.True(many > 3, $"{many} files");
        Drain(ch);
        ch.Checkpoint();
        Assert.True(ch.SegmentIds().Length <= 2, string.Join(",", ch.SegmentIds()));
        Assert.True(Directory.GetFiles(Path.Combine(_root, "d", "data"), "log-*").Length <= 2);
        await ch.StopAsync(CancellationToken.None);
        Assert.Empty(Drain(await OpenAsync("d", maxFileSize: 300)));
    }

    [Fact]
    public async Task Low_disk_space_fails_puts_as_channel_full_and_recovers_when_space_returns()
    {
        long free = 10L << 30;
        var ch = await OpenAsync("d", freeSpace: _ => Interlocked.Read(ref free));
        PutCommit(ch, "fits");
        Interlocked.Exchange(ref free, (500L << 20) + 10);
        using (var tx = ch.BeginTransaction())
        {
            tx.Put(Ev("does not fit"));
            var ex = Assert.Throws<ChannelFullException>(tx.Commit);
            Assert.Contains("Usable space exhausted", ex.Message);
            Assert.Contains("required 524288000 bytes [channel=c1]", ex.Message);
            tx.Rollback();
        }

        Assert.Equal(["fits"], TakeCommit(ch, 1)); // takes still work, so sinks can drain
        Interlocked.Exchange(ref free, 10L << 30);
        PutCommit(ch, "again");
        Assert.Equal(["again"], Drain(ch));
    }

    [Fact]
    public async Task A_second_channel_on_the_same_directories_fails_with_one_error_naming_dir_and_pid()
    {
        var first = await OpenAsync("d");
        var logs = new LogCapture();
        var second = await OpenAsync("d", name: "c2", logs: logs);
        Assert.Equal(LifecycleState.Error, second.State);
        var error = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains(Path.Combine(_root, "d"), error.Message, StringComparison.Ordinal);
        Assert.Contains($"process {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
        using (var tx = second.BeginTransaction())
        {
            var ex = Assert.Throws<ChannelException>(() => tx.Put(Ev("x")));
            Assert.Contains("Channel closed [channel=c2]", ex.Message);
            Assert.Contains("Cannot lock", ex.Message);
            tx.Rollback();
        }

        PutCommit(first, "still fine");
        Assert.Equal(["still fine"], Drain(first));
    }

    [Fact]
    public async Task Capacity_is_enforced_with_flumes_message()
    {
        var ch = await OpenAsync("d", capacity: 2, keepAlive: 0);
        PutCommit(ch, "a", "b");
        using var tx = ch.BeginTransaction();
        tx.Put(Ev("c"));
        var ex = Assert.Throws<ChannelFullException>(tx.Commit);
        Assert.StartsWith("The channel has reached it's capacity.", ex.Message);
        tx.Rollback();
    }

    [Fact]
    public async Task Reconfigure_with_the_same_directories_keeps_the_open_log_and_its_events()
    {
        var ch = await OpenAsync("d");
        PutCommit(ch, "a");
        var ctx = Context("d", ("capacity", "50"), ("transactionCapacity", "10"));
        Assert.True(ch.TryReconfigure(ctx));
        Assert.Equal(50, ch.Options.Capacity);
        await ch.StartAsync(CancellationToken.None);
        Assert.Equal(LifecycleState.Start, ch.State);
        PutCommit(ch, "b");
        Assert.Equal(["a", "b"], Drain(ch));

        // New directories: the channel closes the old files and opens the new ones at its next start.
        PutCommit(ch, "left in d");
        Assert.True(ch.TryReconfigure(Context("e")));
        await ch.StartAsync(CancellationToken.None);
        await ch.Started;
        Assert.Equal(LifecycleState.Start, ch.State);
        Assert.Empty(Drain(ch));
        await ch.StopAsync(CancellationToken.None);
        Assert.Equal(["left in d"], Drain(await OpenAsync("d")));
    }

    [Fact]
    public async Task Concurrent_committers_all_become_durable_and_share_fsyncs()
    {
        var ch = await OpenAsync("d", capacity: 100000, txCapacity: 1000);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                PutCommit(ch, $"w{w}-{i}");
            }
        })));
        await ch.StopAsync(CancellationToken.None);
        var all = Drain(await OpenAsync("d", capacity: 100000, txCapacity: 1000));
        Assert.Equal(200, all.Count);
        for (var w = 0; w < 4; w++)
        {
            Assert.Equal(Enumerable.Range(0, 50).Select(i => $"w{w}-{i}"), all.Where(s => s.StartsWith($"w{w}-", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void Configuration_uses_flumes_defaults_and_rejects_encryption()
    {
        var o = FileChannelOptions.FromContext(Ctx.Of());
        Assert.Equal(1000000, o.Capacity);
        Assert.Equal(10000, o.TransactionCapacity);
        Assert.Equal(TimeSpan.FromSeconds(30), o.CheckpointInterval);
        Assert.Equal(1623195647, o.MaxFileSize);
        Assert.Equal(524288000, o.MinimumRequiredSpace);
        Assert.EndsWith(Path.Combine(".flume", "file-channel", "checkpoint"), o.CheckpointDir);
        Assert.EndsWith(Path.Combine(".flume", "file-channel", "data"), Assert.Single(o.DataDirs));

        var ctx = Ctx.Of(("dataDirs", " /x/a , /x/b "), ("maxFileSize", "99999999999"), ("minimumRequiredSpace", "5"), ("use-fast-replay", "true"));
        o = FileChannelOptions.FromContext(ctx);
        Assert.Equal(["/x/a", "/x/b"], o.DataDirs);
        Assert.Equal(1623195647, o.MaxFileSize);
        Assert.Equal(1048576, o.MinimumRequiredSpace);
        Assert.Equal(["use-fast-replay"], o.IgnoredKeys);
        Assert.False(ctx.HasErrors);

        var enc = Ctx.Of(("encryption.activeKey", "k1"));
        FileChannelOptions.FromContext(enc);
        Assert.Contains(enc.Problems, p => p.Key == "a1.channels.c1.encryption.activeKey" && p.Message.Contains("not supported", StringComparison.Ordinal));

        var dual = Ctx.Of(("useDualCheckpoints", "true"));
        FileChannelOptions.FromContext(dual);
        Assert.Contains(dual.Problems, p => p.Key.EndsWith("backupCheckpointDir", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dual_checkpoints_fall_back_to_the_backup()
    {
        var ch = await OpenAsync("d", backup: true);
        PutCommit(ch, "a", "b");
        ch.Checkpoint();
        await ch.StopAsync(CancellationToken.None);
        Assert.True(System.IO.File.Exists(Path.Combine(_root, "d", "backup", "checkpoint")));
        System.IO.File.WriteAllText(Path.Combine(_root, "d", "checkpoint", "checkpoint"), "garbage");
        var logs = new LogCapture();
        var again = await OpenAsync("d", backup: true, logs: logs);
        Assert.Equal(["a", "b"], Drain(again));
        Assert.Contains(logs.Entries, e => e.Message.Contains("using the backup checkpoint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Counters_carry_flumes_file_channel_attributes()
    {
        var ch = await OpenAsync("d");
        PutCommit(ch, "a", "b", "c");
        Assert.Equal(["a", "b"], TakeCommit(ch, 2));
        var c = ch.Counters;
        Assert.True(c.Open);
        Assert.Equal(3, c.EventPutAttemptCount);
        Assert.Equal(3, c.EventPutSuccessCount);
        Assert.Equal(2, c.EventTakeSuccessCount);
        Assert.Equal(1, c.ChannelSize);
        Assert.Equal(1000, c.ChannelCapacity);
        Assert.Equal(0, c.Get("Closed"));
        Assert.Equal(0, c.Get("Unhealthy"));
        await ch.StopAsync(CancellationToken.None);
        Assert.False(c.Open);
        Assert.Equal(1, c.Get("Closed"));
    }

    [Fact]
    public void Pointer_queue_behaves_as_a_deque_for_small_large_and_out_of_order_offsets()
    {
        var rnd = new Random(8);
        var q = new PointerQueue();
        var reference = new LinkedList<long>();
        var offset = 8;
        var segment = 1;
        for (var step = 0; step < 200_000; step++)
        {
            var op = rnd.Next(10);
            if (op < 5)
            {
                if (rnd.Next(500) == 0)
                {
                    segment++;
                    offset = 8;
                }

                offset += rnd.Next(20) == 0 ? rnd.Next(65_000, 300_000) : rnd.Next(1, 400);
                var p = PointerQueue.Pack(segment, offset);
                q.AddLast(p);
                reference.AddLast(p);
            }
            else if (op < 8)
            {
                Assert.Equal(reference.Count > 0, q.TryTakeFirst(out var p));
                if (reference.Count > 0)
                {
                    Assert.Equal(reference.First!.Value, p);
                    reference.RemoveFirst();
                }
            }
            else if (reference.Count > 0)
            {
                // Take a few and put them back (a rollback), or put back something taken out of order.
                var taken = new List<long>();
                for (var i = rnd.Next(1, 5); i > 0 && q.TryTakeFirst(out var p); i--)
                {
                    taken.Add(p);
                    reference.RemoveFirst();
                }

                if (rnd.Next(4) == 0 && taken.Count > 1)
                {
                    (taken[0], taken[^1]) = (taken[^1], taken[0]);
                }

                for (var i = taken.Count - 1; i >= 0; i--)
                {
                    q.AddFirst(taken[i]);
                    reference.AddFirst(taken[i]);
                }
            }

            Assert.Equal(reference.Count, q.Count);
        }

        var runs = q.Runs().SelectMany(r => r.Offsets.ToArray().Select(o => PointerQueue.Pack(r.Segment, o))).ToList();
        Assert.Equal(reference, runs);
        Assert.Equal(reference.Count == 0 ? null : reference.Min(PointerQueue.SegmentOf), q.MinSegment());
    }

    [Fact]
    public void Pointer_queue_costs_about_two_bytes_per_event()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var q = new PointerQueue();
        for (var i = 0; i < 1_000_000; i++)
        {
            q.AddLast(PointerQueue.Pack(1 + (i / 100_000), i * 100));
        }

        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(bytes < 2_200_000, $"{bytes} bytes for 1,000,000 pointers");
        Assert.True(q.TryTakeFirst(out var p));
        Assert.Equal(PointerQueue.Pack(1, 0), p);
        q.AddFirst(p);
        Assert.Equal(1_000_000, q.Count);
    }

    private static List<string> TakeCommit(IChannel ch, int n)
    {
        using var tx = ch.BeginTransaction();
        var got = new List<string>();
        for (var i = 0; i < n; i++)
        {
            got.Add(Text(tx.Take()!));
        }

        tx.Commit();
        return got;
    }

    private ComponentContext Context(string dir, params (string Key, string Value)[] extra)
    {
        var root = Path.IsPathRooted(dir) ? dir : Path.Combine(_root, dir);
        return Ctx.Of([("checkpointDir", Path.Combine(root, "checkpoint")), ("dataDirs", Path.Combine(root, "data")), .. extra]);
    }

    private async Task<FileChannel> OpenAsync(string dir, string name = "c1", LogCapture? logs = null, long maxFileSize = 1 << 20, Func<string, long>? freeSpace = null, int capacity = 1000, int txCapacity = 100, int keepAlive = 0, bool backup = false)
    {
        var root = Path.IsPathRooted(dir) ? dir : Path.Combine(_root, dir);
        var o = new FileChannelOptions
        {
            CheckpointDir = Path.Combine(root, "checkpoint"),
            DataDirs = [Path.Combine(root, "data")],
            MaxFileSize = maxFileSize,
            Capacity = capacity,
            TransactionCapacity = txCapacity,
            KeepAlive = TimeSpan.FromSeconds(keepAlive),
            SpaceCheckInterval = TimeSpan.Zero,
            UseDualCheckpoints = backup,
            BackupCheckpointDir = backup ? Path.Combine(root, "backup") : null,
        };
        var ch = new FileChannel(name, o, (logs ?? new LogCapture()).CreateLogger("org.apache.flume.channel.file.FileChannel"), freeSpace: freeSpace ?? (_ => 100L << 30));
        await ch.StartAsync(CancellationToken.None);
        await ch.Started;
        _open.Add(ch);
        return ch;
    }

    private string LastSegment(string dir) =>
        Directory.GetFiles(Path.Combine(_root, dir, "data"), "log-*").OrderBy(f => int.Parse(Path.GetFileName(f)[4..], System.Globalization.CultureInfo.InvariantCulture)).Last();

    /// <summary>Copies a running channel's files (not its lock) as a crash would leave them.</summary>
    private string CopyState(string dir, string to) => CopyTree(Path.Combine(_root, dir), to);

    private string CopyTree(string from, string to)
    {
        var dest = Path.Combine(_root, to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            if (name is DirectoryLock.LockFileName or DirectoryLock.PidFileName)
            {
                continue;
            }

            var target = Path.Combine(dest, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var src = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var dst = System.IO.File.Create(target);
            src.CopyTo(dst);
        }

        return dest;
    }
}
