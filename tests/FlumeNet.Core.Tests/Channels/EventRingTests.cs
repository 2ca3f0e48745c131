using System.Text;
using FlumeNet.Channels;

namespace FlumeNet.Core.Tests.Channels;

public sealed class EventRingTests
{
    private static Event Ev(string body, IDictionary<string, string>? headers = null) => new(headers, Encoding.UTF8.GetBytes(body));

    private static string Text(Event e) => Encoding.UTF8.GetString(e.BodyArray);

    private static List<Event> Evs(int from, int count) =>
        Enumerable.Range(from, count).Select(i => Ev($"event-{i:D6}-" + new string('x', i % 97))).ToList();

    private static List<string> Take(EventRing ring, int max)
    {
        var into = new List<Event>();
        ring.TakeFirst(into, max);
        return into.Select(Text).ToList();
    }

    [Fact]
    public void A_short_queue_holds_events_as_they_are_and_a_long_one_copies_bodies_into_chunks()
    {
        var ring = new EventRing(4, expectedEvents: 10_000);
        var headers = new Dictionary<string, string> { ["host"] = "n1" };
        var shortQueue = Evs(0, EventRing.WholeBelow);
        ring.AddLast(shortQueue);
        var beyond = new List<Event> { Ev("a", headers), Ev(""), Ev("ccc") };
        ring.AddLast(beyond);
        Assert.Equal(1, ring.ChunksHeld);

        var taken = new List<Event>();
        ring.TakeFirst(taken, EventRing.WholeBelow);
        Assert.All(shortQueue.Zip(taken), pair => Assert.Same(pair.First, pair.Second));

        var first = ring.TakeFirst()!;
        Assert.NotSame(beyond[0], first);
        Assert.Equal("a", Text(first));
        Assert.Same(headers, first.HeadersOrNull);
        Assert.Empty(ring.TakeFirst()!.BodyArray);

        // A body taken from a chunk is a copy: new events written over the reused chunk do not change it.
        var third = ring.TakeFirst()!;
        ring.AddLast(Evs(0, 10_000));
        Assert.Equal("ccc", Text(third));
        Assert.Null(third.HeadersOrNull);
        Assert.Equal(Evs(0, 10_000).Select(Text), Take(ring, 20_000));
        Assert.Null(ring.TakeFirst());
    }

    [Fact]
    public void A_steady_flow_reuses_a_bounded_set_of_chunks()
    {
        var ring = new EventRing(1024, expectedEvents: 100_000); // 256 KiB chunks
        var next = 0;
        var expected = 0;
        ring.AddLast(Evs(next, 50_000));
        next += 50_000;
        for (int round = 0; round < 200; round++)
        {
            var taken = Take(ring, 1000);
            Assert.Equal(Evs(expected, 1000).Select(Text), taken);
            expected += 1000;
            ring.AddLast(Evs(next, 1000));
            next += 1000;
        }

        // 50,000 events of ~70 bytes queued need ~14 chunks of 256 KiB; 250,000 passed through.
        Assert.InRange(ring.ChunksHeld, 1, 14 + 2 + 8);
        Assert.Equal(50_000, ring.Count);

        Assert.Equal(50_000, Take(ring, 100_000).Count);
        Assert.InRange(ring.ChunksHeld, 1, 1 + 8); // drained: the chunk being written and the pool
    }

    [Fact]
    public void Rollback_puts_events_back_at_the_head_in_order_while_others_are_queued_behind()
    {
        var ring = new EventRing(4, expectedEvents: 100_000);
        ring.AddLast(Evs(0, 30_000)); // all but the first 4,096 in chunks
        var a = new List<Event>();
        var b = new List<Event>();
        ring.TakeFirst(a, 5000); // held whole, then chunked
        ring.TakeFirst(b, 1000); // chunked
        ring.AddLast(Evs(30_000, 3000)); // written while the taken chunks' events are out

        ring.AddFirst(b); // the later batch fails first, then the earlier one; the queue is long: both go into chunks
        ring.AddFirst(a);

        Assert.Equal(Evs(0, 33_000).Select(Text), Take(ring, 100_000));
    }

    [Fact]
    public void Large_bodies_are_held_as_they_are_among_chunked_ones()
    {
        var ring = new EventRing(4, expectedEvents: 100); // 16 KiB chunks: bodies over 2 KiB are held whole
        ring.AddLast(Evs(0, EventRing.WholeBelow));
        var large = new Event(new byte[100_000]);
        ring.AddLast([Ev("before"), large, Ev("after")]);

        Assert.Equal(EventRing.WholeBelow, Take(ring, EventRing.WholeBelow).Count);
        Assert.Equal(["before"], Take(ring, 1));
        Assert.Same(large, ring.TakeFirst());
        Assert.Equal(["after"], Take(ring, 1));
    }

    [Fact]
    public void Interleaved_puts_takes_and_rollbacks_around_the_threshold_keep_order_and_content()
    {
        var ring = new EventRing(16, expectedEvents: 100); // 16 KiB chunks: many chunk changes
        var random = new Random(7);
        var queue = new LinkedList<string>();
        var next = 0;
        for (int step = 0; step < 3000; step++)
        {
            // Drift the queue length across WholeBelow: more puts than takes while it is short, fewer while long.
            var longQueue = queue.Count > EventRing.WholeBelow;
            var add = Evs(next, random.Next(0, longQueue ? 200 : 400));
            next += add.Count;
            ring.AddLast(add);
            foreach (var e in add)
            {
                queue.AddLast(Text(e));
            }

            var taken = new List<Event>();
            ring.TakeFirst(taken, random.Next(0, longQueue ? 400 : 200));
            foreach (var e in taken)
            {
                Assert.Equal(queue.First!.Value, Text(e));
                queue.RemoveFirst();
            }

            if (random.Next(3) == 0)
            {
                ring.AddFirst(taken);
                foreach (var e in Enumerable.Reverse(taken))
                {
                    queue.AddFirst(Text(e));
                }
            }

            Assert.Equal(queue.Count, ring.Count);
        }

        Assert.Equal(queue, Take(ring, int.MaxValue));
        Assert.InRange(ring.ChunksHeld, 0, 1 + 8);
    }
}
