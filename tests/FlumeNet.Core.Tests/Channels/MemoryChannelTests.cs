using System.Diagnostics;
using System.Globalization;
using System.Text;
using FlumeNet.Channels;
using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Channels;

public sealed class MemoryChannelTests
{
    private static Event Sized(int bytes) => new(new byte[bytes]);

    [Fact]
    public void Commit_beyond_capacity_fails_with_ChannelFullException_naming_channel_and_capacity()
    {
        var ch = Memory(name: "mem1", capacity: 3, txCapacity: 3, keepAliveSeconds: 0);
        PutCommit(ch, "a", "b");

        using var tx = ch.BeginTransaction();
        tx.Put(Ev("c"));
        tx.Put(Ev("d")); // puts are accepted; the commit decides
        var ex = Assert.Throws<ChannelFullException>(tx.Commit);
        Assert.IsAssignableFrom<ChannelException>(ex);
        Assert.StartsWith("Space for commit to queue couldn't be acquired. Sinks are likely not keeping up with sources, or the buffer size is too tight", ex.Message);
        Assert.Contains("mem1", ex.Message);
        Assert.Contains("capacity 3", ex.Message);
        tx.Rollback();

        Assert.Equal(2, ch.Size);
        PutCommit(ch, "c"); // exactly full is fine
        Assert.Equal(["a", "b", "c"], Drain(ch));
    }

    [Fact]
    public void Backlog_counts_a_batch_in_flight_until_its_take_commits_and_again_after_a_rollback()
    {
        var ch = Memory(capacity: 10, txCapacity: 10);
        IChannelBacklog backlog = ch;
        PutCommit(ch, "a", "b", "c");

        using (var tx = ch.BeginTransaction())
        {
            Assert.NotNull(tx.Take());
            Assert.NotNull(tx.Take());
            Assert.Equal(1, ch.Size);
            Assert.Equal(3, backlog.Backlog); // two in flight: a stop must keep draining
            tx.Rollback();
        }

        Assert.Equal(3, backlog.Backlog);
        using (var tx = ch.BeginTransaction())
        {
            Assert.NotNull(tx.Take());
            tx.Commit();
        }

        Assert.Equal(2, backlog.Backlog);
        Assert.False(backlog.IsDurable);
    }

    [Fact]
    public void Full_commit_waits_keep_alive_then_fails()
    {
        var ch = Memory(capacity: 1, txCapacity: 1, keepAliveSeconds: 1);
        PutCommit(ch, "a");
        using var tx = ch.BeginTransaction();
        tx.Put(Ev("b"));
        var sw = Stopwatch.StartNew();
        Assert.Throws<ChannelFullException>(tx.Commit);
        Assert.InRange(sw.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(10));
        tx.Rollback();
    }

    [Fact]
    public async Task Commit_blocked_on_full_channel_succeeds_when_a_consumer_frees_room_within_keep_alive()
    {
        var ch = Memory(capacity: 2, txCapacity: 2, keepAliveSeconds: 20);
        PutCommit(ch, "a", "b");
        var producer = Task.Factory.StartNew(() => PutCommit(ch, "c"), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var first = await Task.WhenAny(producer, Task.Delay(TimeSpan.FromMilliseconds(200)));
        Assert.NotSame(producer, first); // the commit waits for room
        var sw = Stopwatch.StartNew();
        using (var tx = ch.BeginTransaction())
        {
            Assert.Equal("a", Text(tx.Take()!));
            tx.Commit();
        }

        await producer.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(["b", "c"], Drain(ch));
    }

    [Fact]
    public void Too_many_puts_in_one_transaction_is_a_ChannelException()
    {
        var ch = Memory(name: "mem1", capacity: 10, txCapacity: 2);
        using var tx = ch.BeginTransaction();
        tx.Put(Ev("1"));
        tx.Put(Ev("2"));
        var ex = Assert.Throws<ChannelException>(() => tx.Put(Ev("3")));
        Assert.IsNotType<ChannelFullException>(ex);
        Assert.StartsWith("Put queue for MemoryTransaction of capacity 2 full, consider committing more frequently, increasing capacity or increasing thread count", ex.Message);
        Assert.Contains("mem1", ex.Message);
        tx.Rollback();
        Assert.Equal(0, ch.Size);
    }

    [Fact]
    public void Too_many_takes_in_one_transaction_is_a_ChannelException()
    {
        var ch = Memory(capacity: 10, txCapacity: 2);
        PutCommit(ch, "1", "2");
        PutCommit(ch, "3");
        using (var tx = ch.BeginTransaction())
        {
            tx.Take();
            tx.Take();
            var ex = Assert.Throws<ChannelException>(() => tx.Take());
            Assert.IsNotType<ChannelFullException>(ex);
            Assert.StartsWith("Take list for MemoryTransaction, capacity 2 full, consider committing more frequently, increasing capacity, or increasing thread count", ex.Message);
            tx.Rollback();
        }

        Assert.Equal(["1", "2", "3"], Drain(ch));
    }

    [Fact]
    public void Byte_capacity_limits_bodies_with_buffer_percentage()
    {
        // 1000 bytes, 20 % reserve → 800 bytes = 8 units of 100 bytes.
        var ch = Memory(name: "mem1", capacity: 100, txCapacity: 100, keepAliveSeconds: 0, byteCapacity: 1000, bufferPct: 20);
        using (var tx = ch.BeginTransaction())
        {
            tx.Put(Sized(500)); // 5 units
            tx.Commit();
        }

        using (var tx = ch.BeginTransaction())
        {
            tx.Put(Sized(301)); // 4 units: 9 > 8
            var ex = Assert.Throws<ChannelException>(tx.Commit);
            Assert.IsNotType<ChannelFullException>(ex);
            Assert.StartsWith("Cannot commit transaction. Byte capacity allocated to store event body ", ex.Message);
            Assert.Contains("mem1", ex.Message);
            tx.Rollback();
        }

        using (var tx = ch.BeginTransaction())
        {
            tx.Put(Sized(300)); // 3 units: exactly 8
            tx.Commit();
        }

        Assert.Equal(2, ch.Size);

        // Taking frees the bytes at commit.
        using (var tx = ch.BeginTransaction())
        {
            Assert.Equal(500, tx.Take()!.BodyArray.Length);
            tx.Commit();
        }

        using (var tx = ch.BeginTransaction())
        {
            tx.Put(Sized(500));
            tx.Commit();
        }

        Assert.Equal(2, ch.Size);
    }

    [Fact]
    public void Zero_buffer_percentage_uses_the_whole_byte_capacity()
    {
        var ch = Memory(capacity: 100, keepAliveSeconds: 0, byteCapacity: 1000, bufferPct: 0);
        using var tx = ch.BeginTransaction();
        tx.Put(Sized(500));
        tx.Put(Sized(500));
        tx.Commit();
        Assert.Equal(2, ch.Size);
    }

    [Fact]
    public void Empty_bodies_cost_one_unit_and_zero_byte_capacity_is_unlimited()
    {
        var limited = Memory(capacity: 100, keepAliveSeconds: 0, byteCapacity: 250, bufferPct: 0); // 2 units
        using (var tx = limited.BeginTransaction())
        {
            tx.Put(Sized(0));
            tx.Put(Sized(0));
            tx.Put(Sized(0));
            Assert.Throws<ChannelException>(tx.Commit);
            tx.Rollback();
        }

        var unlimited = Memory(capacity: 100, keepAliveSeconds: 0, byteCapacity: 0);
        using (var tx = unlimited.BeginTransaction())
        {
            tx.Put(Sized(10_000_000));
            tx.Commit();
        }

        Assert.Equal(1, unlimited.Size);
    }

    [Fact]
    public void Taken_but_uncommitted_events_still_hold_capacity()
    {
        var ch = Memory(capacity: 2, txCapacity: 2, keepAliveSeconds: 0);
        PutCommit(ch, "a", "b");
        var taker = ch.BeginTransaction();
        Assert.NotNull(taker.Take());
        Assert.Equal(1, ch.Size);

        using (var tx = ch.BeginTransaction())
        {
            tx.Put(Ev("c"));
            Assert.Throws<ChannelFullException>(tx.Commit);
            tx.Rollback();
        }

        taker.Rollback();
        taker.Dispose();
        using (var tx = ch.BeginTransaction())
        {
            tx.Put(Ev("c"));
            Assert.Throws<ChannelFullException>(tx.Commit);
            tx.Rollback();
        }

        using (var t2 = ch.BeginTransaction())
        {
            Assert.Equal("a", Text(t2.Take()!));
            t2.Commit();
        }

        PutCommit(ch, "c");
        Assert.Equal(["b", "c"], Drain(ch));
    }

    [Fact]
    public void A_transaction_that_takes_as_many_as_it_puts_needs_no_free_slot()
    {
        var ch = Memory(capacity: 2, txCapacity: 2, keepAliveSeconds: 0);
        PutCommit(ch, "a", "b");
        using (var tx = ch.BeginTransaction())
        {
            Assert.Equal("a", Text(tx.Take()!));
            tx.Put(Ev("c"));
            tx.Commit();
        }

        Assert.Equal(["b", "c"], Drain(ch));
    }

    [Fact]
    public async Task WaitForEvents_completes_promptly_on_commit()
    {
        var ch = Memory();
        var wait = ch.WaitForEventsAsync(TimeSpan.FromSeconds(30), CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);
        var sw = Stopwatch.StartNew();
        PutCommit(ch, "a");
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitForEvents_returns_at_once_when_events_are_queued()
    {
        var ch = Memory();
        PutCommit(ch, "a");
        var wait = ch.WaitForEventsAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.True(wait.IsCompleted);
        await wait;
    }

    [Fact]
    public async Task WaitForEvents_times_out_when_nothing_arrives()
    {
        var ch = Memory();
        var sw = Stopwatch.StartNew();
        await ch.WaitForEventsAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.InRange(sw.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitForEvents_is_woken_by_a_rollback_of_takes_and_by_stop()
    {
        var ch = Memory();
        PutCommit(ch, "a");
        var tx = ch.BeginTransaction();
        Assert.NotNull(tx.Take());
        var wait = ch.WaitForEventsAsync(TimeSpan.FromSeconds(30), CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);
        tx.Rollback();
        tx.Dispose();
        await wait.WaitAsync(TimeSpan.FromSeconds(5));

        Drain(ch);
        await ch.StartAsync(CancellationToken.None);
        var wait2 = ch.WaitForEventsAsync(TimeSpan.FromSeconds(30), CancellationToken.None).AsTask();
        Assert.False(wait2.IsCompleted);
        await ch.StopAsync(CancellationToken.None);
        await wait2.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitForEvents_honours_cancellation()
    {
        var ch = Memory();
        using var cts = new CancellationTokenSource();
        var wait = ch.WaitForEventsAsync(TimeSpan.FromSeconds(30), cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Reconfigure_keeps_events_and_applies_new_capacity()
    {
        var log = new LogCapture();
        var ch = Memory(capacity: 5, txCapacity: 5, keepAliveSeconds: 0, logger: log.CreateLogger("ch"));
        PutCommit(ch, "a", "b", "c");

        ch.Reconfigure(new MemoryChannelOptions(10, 10, TimeSpan.Zero));
        Assert.Equal(10, ch.Capacity);
        Assert.Equal(3, ch.Size);
        PutCommit(ch, "d", "e", "f", "g", "h", "i", "j");

        // Shrinking below what the channel holds is refused with a warning; events are kept.
        ch.Reconfigure(new MemoryChannelOptions(4, 4, TimeSpan.Zero));
        Assert.Equal(10, ch.Capacity);
        Assert.Equal(1, log.Count(LogLevel.Warning, "Couldn't acquire permits to downsize the queue, resizing has been aborted"));
        Assert.Equal(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], Drain(ch));

        ch.Reconfigure(new MemoryChannelOptions(1, 1, TimeSpan.Zero));
        Assert.Equal(1, ch.Capacity);
        PutCommit(ch, "x");
        using var tx = ch.BeginTransaction();
        tx.Put(Ev("y"));
        Assert.Throws<ChannelFullException>(tx.Commit);
        tx.Rollback();
    }

    [Fact]
    public void Reconfigure_applies_the_new_transaction_capacity_to_new_transactions()
    {
        var ch = Memory(capacity: 10, txCapacity: 10);
        ch.Reconfigure(new MemoryChannelOptions(10, 1, TimeSpan.Zero));
        using var tx = ch.BeginTransaction();
        tx.Put(Ev("a"));
        Assert.Throws<ChannelException>(() => tx.Put(Ev("b")));
        tx.Rollback();
    }

    [Fact]
    public async Task Concurrent_producers_and_consumers_lose_and_duplicate_nothing()
    {
        const int producers = 4;
        const int perProducer = 25_000;
        const int batch = 50;
        var ch = Memory(capacity: 1000, txCapacity: 100, keepAliveSeconds: 30);
        var seen = new int[producers * perProducer];
        long received = 0;
        long rollbacks = 0;

        var producerTasks = Enumerable.Range(0, producers).Select(p => Task.Factory.StartNew(
            () =>
            {
                for (int i = 0; i < perProducer; i += batch)
                {
                    using var tx = ch.BeginTransaction();
                    for (int j = i; j < i + batch; j++)
                    {
                        tx.Put(new Event(Encoding.ASCII.GetBytes((p * perProducer + j).ToString(CultureInfo.InvariantCulture))));
                    }

                    tx.Commit();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        using var done = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var consumerTasks = Enumerable.Range(0, 2).Select(c => Task.Run(
            async () =>
            {
                var rnd = new Random(c + 17);
                while (Interlocked.Read(ref received) < producers * perProducer && !done.IsCancellationRequested)
                {
                    var taken = new List<Event>();
                    using (var tx = ch.BeginTransaction())
                    {
                        var n = rnd.Next(1, 101);
                        for (int k = 0; k < n; k++)
                        {
                            var e = tx.Take();
                            if (e is null)
                            {
                                break;
                            }

                            taken.Add(e);
                        }

                        if (taken.Count > 0 && rnd.Next(10) == 0)
                        {
                            tx.Rollback();
                            Interlocked.Increment(ref rollbacks);
                            continue;
                        }

                        tx.Commit();
                    }

                    foreach (var e in taken)
                    {
                        Interlocked.Increment(ref seen[int.Parse(Encoding.ASCII.GetString(e.BodyArray), CultureInfo.InvariantCulture)]);
                    }

                    Interlocked.Add(ref received, taken.Count);
                    if (taken.Count == 0)
                    {
                        await ch.WaitForEventsAsync(TimeSpan.FromMilliseconds(50), done.Token);
                    }
                }
            })).ToArray();

        await Task.WhenAll(producerTasks).WaitAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(consumerTasks).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(producers * perProducer, Interlocked.Read(ref received));
        Assert.All(seen, n => Assert.Equal(1, n));
        Assert.Equal(0, ch.Size);
        Assert.True(rollbacks > 0);
        Assert.Equal(producers * perProducer, ch.PutSuccessCount);
        Assert.Equal(producers * perProducer, ch.TakeSuccessCount);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-5")]
    public void Invalid_capacity_warns_and_uses_the_default(string value)
    {
        var ctx = Ctx.Of(("type", "memory"), ("capacity", value));
        var o = MemoryChannelOptions.FromContext(ctx);
        Assert.Equal(100, o.Capacity);
        Assert.False(ctx.HasErrors);
        var w = Assert.Single(ctx.Problems);
        Assert.Equal(ProblemSeverity.Warning, w.Severity);
        Assert.Equal("a1.channels.c1.capacity", w.Key);
    }

    [Fact]
    public void Zero_capacity_warning_has_Flume_text()
    {
        var ctx = Ctx.Of(("capacity", "0"));
        MemoryChannelOptions.FromContext(ctx);
        Assert.Equal("Invalid capacity specified, initializing channel to default capacity of 100", Assert.Single(ctx.Problems).Message);
    }

    [Fact]
    public void Transaction_capacity_above_capacity_is_an_error()
    {
        var ctx = Ctx.Of(("capacity", "50"), ("transactionCapacity", "200"));
        MemoryChannelOptions.FromContext(ctx);
        var e = Assert.Single(ctx.Problems);
        Assert.Equal(ProblemSeverity.Error, e.Severity);
        Assert.Equal("a1.channels.c1.transactionCapacity", e.Key);
        Assert.StartsWith("Transaction Capacity of Memory Channel cannot be higher than the capacity", e.Message);
    }

    [Fact]
    public void Invalid_transaction_capacity_warns_and_uses_the_default()
    {
        var ctx = Ctx.Of(("capacity", "1000"), ("transactionCapacity", "0"));
        var o = MemoryChannelOptions.FromContext(ctx);
        Assert.Equal(100, o.TransactionCapacity);
        Assert.Equal(ProblemSeverity.Warning, Assert.Single(ctx.Problems).Severity);
    }

    [Fact]
    public void Options_are_parsed_with_defaults()
    {
        var defaults = MemoryChannelOptions.FromContext(Ctx.Of(("type", "memory")));
        Assert.Equal(100, defaults.Capacity);
        Assert.Equal(100, defaults.TransactionCapacity);
        Assert.Equal(TimeSpan.FromSeconds(3), defaults.KeepAliveOrDefault);
        Assert.Equal(20, defaults.ByteCapacityBufferPercentage);
        Assert.True(defaults.ByteCapacity > 0);

        var ctx = Ctx.Of(("capacity", " 5000 "), ("transactionCapacity", "500"), ("keep-alive", "1"), ("byteCapacity", "800000"), ("byteCapacityBufferPercentage", "10"));
        var o = MemoryChannelOptions.FromContext(ctx);
        Assert.Empty(ctx.Problems);
        Assert.Equal(new MemoryChannelOptions(5000, 500, TimeSpan.FromSeconds(1), 800000, 10), o);
    }

    [Fact]
    public void TakeBatch_takes_in_order_across_the_ring_wrap_and_rollback_puts_them_back_in_front()
    {
        var ch = Memory(capacity: 8, txCapacity: 8);
        PutCommit(ch, "0", "1", "2", "3", "4", "5");
        Assert.Equal(["0", "1", "2", "3", "4", "5"], Drain(ch)); // moves the ring's head past the middle
        PutCommit(ch, "a", "b", "c", "d", "e", "f", "g");

        var taken = new List<Event>();
        using (var tx = ch.BeginTransaction())
        {
            Assert.Equal(3, tx.TakeBatch(taken, 3));
            Assert.Equal(2, tx.TakeBatch(taken, 2));
            tx.Rollback();
        }

        Assert.Equal(["a", "b", "c", "d", "e"], taken.Select(Text));
        taken.Clear();
        using (var tx = ch.BeginTransaction())
        {
            Assert.Equal(7, tx.TakeBatch(taken, 8));
            Assert.Equal(0, tx.TakeBatch(taken, 8));
            tx.Commit();
        }

        Assert.Equal(["a", "b", "c", "d", "e", "f", "g"], taken.Select(Text));
        Assert.Equal(0, ch.Size);
        PutCommit(ch, "0", "1", "2", "3", "4", "5", "6", "7"); // all slots were given back at commit
        Assert.Equal(8, ch.Size);
    }

    [Fact]
    public void TakeBatch_beyond_the_transaction_capacity_fails_like_one_take_too_many()
    {
        var ch = Memory(capacity: 10, txCapacity: 2);
        PutCommit(ch, "a", "b");
        PutCommit(ch, "c");
        var taken = new List<Event>();
        using (var tx = ch.BeginTransaction())
        {
            Assert.Throws<ChannelException>(() => tx.TakeBatch(taken, 3));
            tx.Rollback();
        }

        using (var tx = ch.BeginTransaction())
        {
            taken.Clear();
            Assert.Equal(2, tx.TakeBatch(taken, 2)); // exactly the capacity is fine
            tx.Rollback();
        }

        Assert.Equal(["a", "b", "c"], Drain(ch));
    }

    [Fact]
    public async Task A_commit_waiting_for_room_is_woken_by_a_batch_take()
    {
        var ch = Memory(capacity: 2, txCapacity: 2, keepAliveSeconds: 20);
        PutCommit(ch, "a", "b");
        var producer = Task.Factory.StartNew(() => PutCommit(ch, "c", "d"), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.NotSame(producer, await Task.WhenAny(producer, Task.Delay(TimeSpan.FromMilliseconds(200))));
        var sw = Stopwatch.StartNew();
        using (var tx = ch.BeginTransaction())
        {
            Assert.Equal(2, tx.TakeBatch([], 2));
            tx.Commit();
        }

        await producer.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15));
        Assert.Equal(["c", "d"], Drain(ch));
    }
}
