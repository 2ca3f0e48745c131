namespace FlumeNet.Channels;

/// <summary>
/// A growable circular queue of events that can also push back to its head (for rollback).
/// Not thread-safe: the owning channel guards it with its lock.
/// </summary>
internal sealed class EventRing
{
    private Event?[] _items;
    private int _head;
    private int _count;

    public EventRing(int initialCapacity)
    {
        _items = new Event?[Math.Max(4, initialCapacity)];
    }

    public int Count => _count;

    public void AddLast(Event e)
    {
        EnsureRoom(1);
        _items[(_head + _count) % _items.Length] = e;
        _count++;
    }

    /// <summary>Puts <paramref name="events"/> back in front of the queue, keeping their order.</summary>
    public void AddFirst(List<Event> events)
    {
        EnsureRoom(events.Count);
        for (int i = events.Count - 1; i >= 0; i--)
        {
            _head = (_head - 1 + _items.Length) % _items.Length;
            _items[_head] = events[i];
        }

        _count += events.Count;
    }

    public Event? TakeFirst()
    {
        if (_count == 0)
        {
            return null;
        }

        var e = _items[_head];
        _items[_head] = null;
        _head = (_head + 1) % _items.Length;
        _count--;
        return e;
    }

    private void EnsureRoom(int extra)
    {
        if (_count + extra <= _items.Length)
        {
            return;
        }

        var size = _items.Length;
        while (size < _count + extra)
        {
            size *= 2;
        }

        var next = new Event?[size];
        for (int i = 0; i < _count; i++)
        {
            next[i] = _items[(_head + i) % _items.Length];
        }

        _items = next;
        _head = 0;
    }
}
