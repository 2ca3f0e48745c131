namespace FlumeNet.Channels.File;

/// <summary>
/// The events of the most recent put commits, in the order their pointers entered the queue, so that a take of an
/// event put moments ago (a sink keeping up with its source) is answered from memory instead of reading back, checking
/// and decoding its record. Bounded by <see cref="MaxEvents"/> and <see cref="MaxBodyBytes"/>: the oldest are dropped
/// first, and a take that misses reads the log as before. Only a take of the oldest entry hits; since entries are added
/// in queue order, a miss (an event taken back after a rollback, or dropped from here) leaves the others to hit when
/// their turn comes. Not thread-safe: the file channel guards it with its lock.
/// </summary>
internal sealed class RecentPuts
{
    public const int MaxEvents = 4096;
    public const long MaxBodyBytes = 8L * 1024 * 1024;

    private readonly (long Pointer, Event Event)[] _ring = new (long, Event)[MaxEvents];
    private int _head;
    private int _count;
    private long _bodyBytes;

    public int Count => _count;

    public void Add(long pointer, Event e)
    {
        var size = e.BodyArray.Length;
        if (size > MaxBodyBytes / 4)
        {
            return;
        }

        while (_count == MaxEvents || (_count > 0 && _bodyBytes + size > MaxBodyBytes))
        {
            DropFirst();
        }

        _ring[(_head + _count) % MaxEvents] = (pointer, e);
        _count++;
        _bodyBytes += size;
    }

    /// <summary>The event put at <paramref name="pointer"/> when it is the oldest one held (it is removed), else null.</summary>
    public Event? TryTake(long pointer)
    {
        if (_count == 0 || _ring[_head].Pointer != pointer)
        {
            return null;
        }

        var e = _ring[_head].Event;
        DropFirst();
        return e;
    }

    private void DropFirst()
    {
        _bodyBytes -= _ring[_head].Event.BodyArray.Length;
        _ring[_head] = default;
        _head = (_head + 1) % MaxEvents;
        _count--;
    }
}
