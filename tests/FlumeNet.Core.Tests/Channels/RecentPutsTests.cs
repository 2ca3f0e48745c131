using FlumeNet.Channels.File;

namespace FlumeNet.Core.Tests.Channels;

public sealed class RecentPutsTests
{
    private static Event Ev(int bytes = 100) => new(new byte[bytes]);

    [Fact]
    public void Takes_in_queue_order_are_answered_from_memory_with_the_event_put()
    {
        var recent = new RecentPuts();
        var events = Enumerable.Range(0, 10).Select(_ => Ev()).ToList();
        for (var i = 0; i < events.Count; i++)
        {
            recent.Add(i, events[i]);
        }

        for (var i = 0; i < events.Count; i++)
        {
            Assert.Same(events[i], recent.TryTake(i));
        }

        Assert.Equal(0, recent.Count);
        Assert.Null(recent.TryTake(10));
    }

    [Fact]
    public void A_pointer_taken_back_after_a_rollback_misses_and_the_next_ones_still_hit()
    {
        var recent = new RecentPuts();
        var a = Ev();
        var b = Ev();
        var c = Ev();
        recent.Add(1, a);
        recent.Add(2, b);
        Assert.Same(a, recent.TryTake(1));

        // The take of 1 rolled back: 1 is queued again in front of 2 and is read from the log.
        Assert.Null(recent.TryTake(1));
        recent.Add(3, c);
        Assert.Same(b, recent.TryTake(2));
        Assert.Same(c, recent.TryTake(3));
    }

    [Fact]
    public void The_oldest_are_dropped_beyond_the_event_bound_and_read_back_instead()
    {
        var recent = new RecentPuts();
        var extra = 10;
        for (var i = 0; i < RecentPuts.MaxEvents + extra; i++)
        {
            recent.Add(i, Ev(1));
        }

        Assert.Equal(RecentPuts.MaxEvents, recent.Count);
        for (var i = 0; i < extra; i++)
        {
            Assert.Null(recent.TryTake(i)); // dropped: the channel reads these from the log
        }

        Assert.NotNull(recent.TryTake(extra));
    }

    [Fact]
    public void Body_bytes_are_bounded_and_large_bodies_are_never_held()
    {
        var recent = new RecentPuts();
        var quarter = (int)(RecentPuts.MaxBodyBytes / 4);
        recent.Add(1, Ev(quarter + 1));
        Assert.Equal(0, recent.Count);

        for (var i = 0; i < 5; i++)
        {
            recent.Add(10 + i, Ev(quarter));
        }

        Assert.Equal(4, recent.Count); // 5 quarters do not fit: the first was dropped
        Assert.Null(recent.TryTake(10));
        Assert.NotNull(recent.TryTake(11));
    }
}
