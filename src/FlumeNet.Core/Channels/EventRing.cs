namespace FlumeNet.Channels;

/// <summary>
/// A growable circular queue of events that can also push back to its head (for rollback).
/// Batches go in and out with array copies. Not thread-safe: the owning channel guards it with its lock.
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

    /// <summary>Appends <paramref name="events"/> at the tail, in order.</summary>
    public void AddLast(List<Event> events)
    {
        var n = events.Count;
        if (n == 0)
        {
            return;
        }

        EnsureRoom(n);
        ReadOnlySpan<Event?> src = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(events)!;
        var tail = Wrap(_head + _count);
        var first = Math.Min(n, _items.Length - tail);
        src[..first].CopyTo(_items.AsSpan(tail));
        src[first..].CopyTo(_items.AsSpan(0));
        _count += n;
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
        _head = Wrap(_head + 1);
        _count--;
        return e;
    }

    /// <summary>Moves up to <paramref name="max"/> events from the head to <paramref name="into"/>; returns how many.</summary>
    public int TakeFirst(List<Event> into, int max)
    {
        var n = Math.Min(max, _count);
        var left = n;
        while (left > 0)
        {
            var run = Math.Min(left, _items.Length - _head);
            var span = _items.AsSpan(_head, run);
            foreach (var e in span)
            {
                into.Add(e!);
            }

            span.Clear();
            _head = Wrap(_head + run);
            left -= run;
        }

        _count -= n;
        return n;
    }

    private int Wrap(int i) => i >= _items.Length ? i - _items.Length : i;

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
