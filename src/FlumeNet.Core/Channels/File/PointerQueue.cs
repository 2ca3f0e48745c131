namespace FlumeNet.Channels.File;

/// <summary>
/// A FIFO of event pointers (segment id, byte offset of the event's record), stored as runs of 32-bit offsets that
/// share one segment id: 4 bytes per queued event, so 5,000,000 queued events cost about 20 MB. Not thread-safe.
/// </summary>
internal sealed class PointerQueue
{
    private const int ChunkSize = 4096;
    private readonly LinkedList<Chunk> _chunks = new();
    private Chunk? _spare;

    public long Count { get; private set; }

    public static long Pack(int segment, int offset) => ((long)segment << 32) | (uint)offset;

    public static int SegmentOf(long pointer) => (int)(pointer >> 32);

    public static int OffsetOf(long pointer) => (int)(uint)pointer;

    public void AddLast(long pointer)
    {
        var segment = SegmentOf(pointer);
        var last = _chunks.Last?.Value;
        if (last is null || last.Segment != segment || last.Tail == ChunkSize)
        {
            last = NewChunk(segment, 0);
            _chunks.AddLast(last);
        }

        last.Offsets[last.Tail++] = OffsetOf(pointer);
        Count++;
    }

    /// <summary>Puts a pointer back in front (a rolled-back take); call in reverse order to restore a run.</summary>
    public void AddFirst(long pointer)
    {
        var segment = SegmentOf(pointer);
        var first = _chunks.First?.Value;
        if (first is null || first.Segment != segment || first.Head == 0)
        {
            first = NewChunk(segment, ChunkSize);
            _chunks.AddFirst(first);
        }

        first.Offsets[--first.Head] = OffsetOf(pointer);
        Count++;
    }

    public bool TryPeekFirst(out long pointer)
    {
        var first = _chunks.First?.Value;
        if (first is null)
        {
            pointer = 0;
            return false;
        }

        pointer = Pack(first.Segment, first.Offsets[first.Head]);
        return true;
    }

    public bool TryTakeFirst(out long pointer)
    {
        var node = _chunks.First;
        if (node is null)
        {
            pointer = 0;
            return false;
        }

        var c = node.Value;
        pointer = Pack(c.Segment, c.Offsets[c.Head++]);
        Count--;
        if (c.Head == c.Tail)
        {
            _chunks.RemoveFirst();
            _spare = c;
        }

        return true;
    }

    /// <summary>The smallest segment id any queued pointer refers to, or null when empty.</summary>
    public int? MinSegment()
    {
        int? min = null;
        foreach (var c in _chunks)
        {
            if (min is null || c.Segment < min)
            {
                min = c.Segment;
            }
        }

        return min;
    }

    /// <summary>The queue as runs (segment, offsets), head first. Must not be mutated while enumerating.</summary>
    public IEnumerable<(int Segment, ReadOnlyMemory<int> Offsets)> Runs()
    {
        foreach (var c in _chunks)
        {
            yield return (c.Segment, new ReadOnlyMemory<int>(c.Offsets, c.Head, c.Tail - c.Head));
        }
    }

    /// <summary>Removes every pointer in <paramref name="remove"/> (order of the rest kept); returns how many went.</summary>
    public long RemoveAll(HashSet<long> remove)
    {
        if (remove.Count == 0)
        {
            return 0;
        }

        var kept = new PointerQueue();
        long removed = 0;
        while (TryTakeFirst(out var p))
        {
            if (remove.Contains(p))
            {
                removed++;
            }
            else
            {
                kept.AddLast(p);
            }
        }

        foreach (var c in kept._chunks)
        {
            _chunks.AddLast(c);
        }

        Count = kept.Count;
        return removed;
    }

    private Chunk NewChunk(int segment, int start)
    {
        var c = _spare ?? new Chunk();
        _spare = null;
        c.Segment = segment;
        c.Head = start;
        c.Tail = start;
        return c;
    }

    private sealed class Chunk
    {
        public readonly int[] Offsets = new int[ChunkSize];
        public int Segment;
        public int Head;
        public int Tail;
    }
}
