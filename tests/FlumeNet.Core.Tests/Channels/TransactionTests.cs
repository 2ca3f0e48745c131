using FlumeNet.Channels;
using FlumeNet.Core.Tests.Support;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Channels;

public sealed class TransactionTests
{
    [Fact]
    public void Put_after_commit_is_a_state_error()
    {
        var ch = Memory();
        using var tx = ch.BeginTransaction();
        tx.Put(Ev("a"));
        tx.Commit();
        var ex = Assert.Throws<InvalidOperationException>(() => tx.Put(Ev("b")));
        Assert.Equal("put() called when transaction is COMPLETED!", ex.Message);
        Assert.Equal(["a"], Drain(ch));
    }

    [Fact]
    public void Commit_twice_is_a_state_error()
    {
        var ch = Memory();
        using var tx = ch.BeginTransaction();
        tx.Commit();
        var ex = Assert.Throws<InvalidOperationException>(tx.Commit);
        Assert.Equal("commit() called when transaction is COMPLETED!", ex.Message);
    }

    [Fact]
    public void Take_after_rollback_is_a_state_error()
    {
        var ch = Memory();
        PutCommit(ch, "a");
        using var tx = ch.BeginTransaction();
        tx.Rollback();
        var ex = Assert.Throws<InvalidOperationException>(() => tx.Take());
        Assert.Equal("take() called when transaction is COMPLETED!", ex.Message);
        Assert.Throws<InvalidOperationException>(tx.Rollback);
    }

    [Fact]
    public void Operations_after_dispose_are_state_errors_and_dispose_is_idempotent()
    {
        var ch = Memory();
        var tx = (BasicTransaction)ch.BeginTransaction();
        tx.Commit();
        tx.Dispose();
        Assert.Equal(TransactionState.Closed, tx.State);
        tx.Dispose();
        var ex = Assert.Throws<InvalidOperationException>(() => tx.Put(Ev("x")));
        Assert.Equal("put() called when transaction is CLOSED!", ex.Message);
    }

    [Fact]
    public void Dispose_while_open_rolls_back_and_throws()
    {
        var ch = Memory();
        PutCommit(ch, "a", "b");
        var tx = ch.BeginTransaction();
        Assert.NotNull(tx.Take());
        tx.Put(Ev("never"));
        var ex = Assert.Throws<InvalidOperationException>(tx.Dispose);
        Assert.Equal("close() called when transaction is OPEN - you must either commit or rollback first", ex.Message);
        Assert.Equal(TransactionState.Closed, ((BasicTransaction)tx).State);

        // The take went back, the put was discarded.
        Assert.Equal(["a", "b"], Drain(ch));
    }

    [Fact]
    public void Rollback_returns_taken_events_to_the_head_in_original_order()
    {
        var ch = Memory();
        PutCommit(ch, "1", "2", "3", "4", "5");
        using (var tx = ch.BeginTransaction())
        {
            Assert.Equal("1", Text(tx.Take()!));
            Assert.Equal("2", Text(tx.Take()!));
            Assert.Equal("3", Text(tx.Take()!));
            tx.Rollback();
        }

        Assert.Equal(5, ch.Size);
        Assert.Equal(["1", "2", "3", "4", "5"], Drain(ch));
    }

    [Fact]
    public void Rollback_after_later_commits_still_puts_taken_events_at_the_head()
    {
        var ch = Memory();
        PutCommit(ch, "1", "2");
        var taker = ch.BeginTransaction();
        Assert.Equal("1", Text(taker.Take()!));
        PutCommit(ch, "3");
        taker.Rollback();
        taker.Dispose();
        Assert.Equal(["1", "2", "3"], Drain(ch));
    }

    [Fact]
    public void Rollback_works_across_ring_wraparound()
    {
        var ch = Memory(capacity: 10, txCapacity: 10);
        for (int round = 0; round < 7; round++)
        {
            PutCommit(ch, $"{round}a", $"{round}b", $"{round}c");
            using var tx = ch.BeginTransaction();
            var first = tx.Take();
            var second = tx.Take();
            Assert.NotNull(first);
            Assert.NotNull(second);
            tx.Rollback();
            Assert.Equal([$"{round}a", $"{round}b", $"{round}c"], Drain(ch));
        }
    }

    [Fact]
    public void Puts_are_invisible_until_commit()
    {
        var ch = Memory();
        using var producer = ch.BeginTransaction();
        producer.Put(Ev("a"));
        producer.Put(Ev("b"));

        using (var consumer = ch.BeginTransaction())
        {
            Assert.Null(consumer.Take());
            consumer.Commit();
        }

        Assert.Equal(0, ch.Size);
        producer.Commit();
        Assert.Equal(2, ch.Size);
        Assert.Equal(["a", "b"], Drain(ch));
    }

    [Fact]
    public void Rolled_back_puts_are_discarded()
    {
        var ch = Memory();
        using (var tx = ch.BeginTransaction())
        {
            tx.Put(Ev("a"));
            tx.Rollback();
        }

        Assert.Equal(0, ch.Size);
        Assert.Empty(Drain(ch));

        // The capacity the put would have needed is still free.
        PutCommit(ch, Enumerable.Range(0, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        Assert.Equal(100, ch.Size);
    }

    [Fact]
    public void Null_put_is_rejected()
    {
        var ch = Memory();
        using var tx = ch.BeginTransaction();
        Assert.Throws<ArgumentNullException>(() => tx.Put(null!));
        tx.Commit();
        Assert.Equal(0, ch.Size);
    }

    [Fact]
    public async Task Each_transaction_is_independent_and_not_thread_bound()
    {
        var ch = Memory();
        var t1 = ch.BeginTransaction();
        var t2 = ch.BeginTransaction();
        Assert.NotSame(t1, t2);
        t1.Put(Ev("from-1"));
        t2.Put(Ev("from-2"));

        // A transaction may be completed from another thread (async code resumes elsewhere).
        await Task.Run(t2.Commit);
        t1.Commit();
        t1.Dispose();
        t2.Dispose();
        Assert.Equal(["from-2", "from-1"], Drain(ch));
    }
}
