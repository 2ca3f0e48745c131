namespace FlumeNet.Channels;

/// <summary>
/// The memory channel's FIFO. While few events are queued they are held as they are; beyond
/// <see cref="WholeBelow"/> an event is held as a slot (its headers and where its body lies) and its body bytes are
/// copied into large, reused chunks, so a queued event is not an object of its own. A channel that stays full (a
/// source faster than its sink) then leaves nothing for the young-generation collections to copy and promote, and
/// nothing to die in the old generation; a channel its sink keeps near empty pays no copy (docs/performance.md). A take
/// gives the event put, or a new <see cref="Event"/> with its own body array and the same headers; rollback puts
/// events back at the head in order. Bodies larger than an eighth of a chunk are always held as they are. Not
/// thread-safe: the owning channel guards it with its lock.
/// </summary>
internal sealed class EventRing
{
    /// <summary>Queue length below which events are held as they are: they are taken before a young collection would copy them.</summary>
    public const int WholeBelow = 4096;

    private const int MinChunkBytes = 16 * 1024;
    private const int MaxChunkBytes = 256 * 1024;

    // Emptied chunks kept for reuse beyond the one being written; more are left to the GC.
    private const int PooledChunks = 8;

    private readonly int _chunkBytes;
    private readonly Stack<Chunk> _free = new();
    private Slot[] _slots;
    private int _head;
    private int _count;
    private Chunk? _writing;

    /// <param name="initialCapacity">Slots allocated up front (the ring grows beyond it).</param>
    /// <param name="expectedEvents">The channel's capacity: chunks are sized from it, 16-256 KiB.</param>
    public EventRing(int initialCapacity, int expectedEvents = 0)
    {
        _slots = new Slot[Math.Max(4, initialCapacity)];
        _chunkBytes = (int)Math.Clamp(expectedEvents * 128L, MinChunkBytes, MaxChunkBytes);
    }

    public int Count => _count;

    /// <summary>Chunks allocated and not yet left to the GC (written, holding events, or pooled).</summary>
    internal int ChunksHeld { get; private set; }

    /// <summary>Appends <paramref name="events"/> at the tail, in order.</summary>
    public void AddLast(List<Event> events)
    {
        var n = events.Count;
        if (n == 0)
        {
            return;
        }

        EnsureRoom(n);
        var tail = Wrap(_head + _count);
        var queued = _count;
        foreach (var e in events)
        {
            _slots[tail] = Store(e, queued++);
            tail = Wrap(tail + 1);
        }

        _count += n;
    }

    /// <summary>Puts <paramref name="events"/> back in front of the queue, keeping their order.</summary>
    public void AddFirst(List<Event> events)
    {
        EnsureRoom(events.Count);
        for (int i = events.Count - 1; i >= 0; i--)
        {
            _head = _head == 0 ? _slots.Length - 1 : _head - 1;
            _slots[_head] = Store(events[i], _count);
        }

        _count += events.Count;
    }

    public Event? TakeFirst()
    {
        if (_count == 0)
        {
            return null;
        }

        var e = Release(ref _slots[_head]);
        _head = Wrap(_head + 1);
        _count--;
        return e;
    }

    /// <summary>Moves up to <paramref name="max"/> events from the head to <paramref name="into"/>; returns how many.</summary>
    public int TakeFirst(List<Event> into, int max)
    {
        var n = Math.Min(max, _count);
        for (int i = 0; i < n; i++)
        {
            into.Add(Release(ref _slots[_head]));
            _head = Wrap(_head + 1);
        }

        _count -= n;
        return n;
    }

    private Slot Store(Event e, int queued)
    {
        var body = e.BodyArray;
        if (queued < WholeBelow || body.Length > _chunkBytes / 8)
        {
            return new Slot(e, 0, 0);
        }

        var chunk = _writing;
        if (chunk is null || chunk.Data.Length - chunk.Used < body.Length)
        {
            chunk = NextChunk();
        }

        var offset = chunk.Used;
        body.CopyTo(chunk.Data.AsSpan(offset));
        chunk.Used = offset + body.Length;
        chunk.Live++;
        return new Slot(chunk, offset, body.Length, e.HeadersOrNull);
    }

    /// <summary>The event of <paramref name="slot"/>, which is cleared; a chunk is reused once nothing lives in it.</summary>
    private Event Release(ref Slot slot)
    {
        var holder = slot.Holder;
        if (holder is Event whole)
        {
            slot = default;
            return whole;
        }

        var chunk = (Chunk)holder!;
        var e = new Event(slot.Headers, chunk.Data.AsSpan(slot.Offset, slot.Length).ToArray());
        if (--chunk.Live == 0)
        {
            if (chunk == _writing)
            {
                chunk.Used = 0;
            }
            else
            {
                Recycle(chunk);
            }
        }

        slot = default;
        return e;
    }

    private Chunk NextChunk()
    {
        // The chunk being left keeps its events until they are taken; an empty one goes straight back.
        if (_writing is { Live: 0 } idle)
        {
            Recycle(idle);
        }

        if (!_free.TryPop(out var next))
        {
            next = new Chunk(GC.AllocateUninitializedArray<byte>(_chunkBytes));
            ChunksHeld++;
        }

        _writing = next;
        return next;
    }

    private void Recycle(Chunk chunk)
    {
        chunk.Used = 0;
        if (_free.Count < PooledChunks)
        {
            _free.Push(chunk);
        }
        else
        {
            ChunksHeld--;
        }
    }

    private int Wrap(int i) => i >= _slots.Length ? i - _slots.Length : i;

    private void EnsureRoom(int extra)
    {
        if (_count + extra <= _slots.Length)
        {
            return;
        }

        var size = _slots.Length;
        while (size < _count + extra)
        {
            size *= 2;
        }

        var next = new Slot[size];
        for (int i = 0; i < _count; i++)
        {
            next[i] = _slots[(_head + i) % _slots.Length];
        }

        _slots = next;
        _head = 0;
    }

    /// <summary>A queued event: the event itself (<paramref name="Holder"/> is an <see cref="Event"/>), or the chunk holding its body, where, and its headers.</summary>
    private readonly record struct Slot(object? Holder, int Offset, int Length, IDictionary<string, string>? Headers = null);

    /// <summary>Bodies of many events, written front to back; <see cref="Live"/> counts those not yet taken.</summary>
    private sealed class Chunk(byte[] data)
    {
        public byte[] Data { get; } = data;

        public int Used { get; set; }

        public int Live { get; set; }
    }
}
