namespace FlumeNet.Channels.File;

/// <summary>
/// A FIFO of event pointers (segment id, byte offset of the event's record). Pointers are kept in chunks that share a
/// segment id; within a chunk each offset is stored as a 16-bit distance from the one before it, so a queued event of
/// less than 64 KiB costs 2 bytes (5,000,000 queued events: about 10 MB). Larger distances go to chunks of plain 32-bit
/// offsets. Not thread-safe.
/// </summary>
internal sealed class PointerQueue
{
    private const int ChunkBytes = 16384;
    private readonly LinkedList<Chunk> _chunks = new();
    private readonly int[] _decoded = new int[ChunkBytes / 2];

    public long Count { get; private set; }

    public static long Pack(int segment, int offset) => ((long)segment << 32) | (uint)offset;

    public static int SegmentOf(long pointer) => (int)(pointer >> 32);

    public static int OffsetOf(long pointer) => (int)(uint)pointer;

    public void AddLast(long pointer)
    {
        var segment = SegmentOf(pointer);
        var offset = OffsetOf(pointer);
        var last = _chunks.Last?.Value;
        if (last is null || last.Segment != segment || !last.TryAddLast(offset))
        {
            // Plain offsets only when this segment's records are too far apart for 16-bit deltas (events over 64 KiB).
            var wide = last is not null && last.Segment == segment && (long)offset - last.TailOffset > ushort.MaxValue;
            last = new Chunk(segment, wide, atEnd: false);
            last.TryAddLast(offset);
            _chunks.AddLast(last);
        }

        Count++;
    }

    /// <summary>Puts a pointer back in front (a rolled-back take); call in reverse order to restore a run.</summary>
    public void AddFirst(long pointer)
    {
        var segment = SegmentOf(pointer);
        var offset = OffsetOf(pointer);
        var first = _chunks.First?.Value;
        if (first is null || first.Segment != segment || !first.TryAddFirst(offset))
        {
            first = new Chunk(segment, wide: true, atEnd: true);
            first.TryAddFirst(offset);
            _chunks.AddFirst(first);
        }

        Count++;
    }

    public bool TryPeekFirst(out long pointer)
    {
        var first = _chunks.First?.Value;
        pointer = first is null ? 0 : Pack(first.Segment, first.HeadOffset);
        return first is not null;
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
        pointer = Pack(c.Segment, c.TakeFirst());
        Count--;
        if (c.IsEmpty)
        {
            _chunks.RemoveFirst();
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

    /// <summary>
    /// The queue as runs (segment, offsets), head first. Each run's memory is reused for the next one: consume it before
    /// moving on. The queue must not change while enumerating.
    /// </summary>
    public IEnumerable<(int Segment, ReadOnlyMemory<int> Offsets)> Runs()
    {
        foreach (var c in _chunks)
        {
            var n = c.Decode(_decoded);
            yield return (c.Segment, new ReadOnlyMemory<int>(_decoded, 0, n));
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

    /// <summary>
    /// Pointers of one segment, Head..Tail-1 of either 16-bit deltas (element i = element i-1 + Deltas[i]) or plain
    /// offsets. HeadOffset and TailOffset are the absolute offsets of the first and last element.
    /// </summary>
    private sealed class Chunk
    {
        private readonly ushort[]? _deltas;
        private readonly int[]? _offsets;
        private int _head;
        private int _tail;

        public Chunk(int segment, bool wide, bool atEnd)
        {
            Segment = segment;
            if (wide)
            {
                _offsets = new int[ChunkBytes / 4];
            }
            else
            {
                _deltas = new ushort[ChunkBytes / 2];
            }

            _head = _tail = atEnd ? Capacity : 0;
        }

        public int Segment { get; }

        public int HeadOffset { get; private set; }

        public int TailOffset { get; private set; }

        public bool IsEmpty => _head == _tail;

        private int Capacity => _deltas?.Length ?? _offsets!.Length;

        public static bool FitsDelta(long delta) => delta is > 0 and <= ushort.MaxValue;

        public bool TryAddLast(int offset)
        {
            if (_tail == Capacity)
            {
                return false;
            }

            if (IsEmpty)
            {
                HeadOffset = offset;
            }
            else if (_deltas is not null)
            {
                var delta = (long)offset - TailOffset;
                if (!FitsDelta(delta))
                {
                    return false;
                }

                _deltas[_tail] = (ushort)delta;
            }

            if (_offsets is not null)
            {
                _offsets[_tail] = offset;
            }

            _tail++;
            TailOffset = offset;
            return true;
        }

        public bool TryAddFirst(int offset)
        {
            if (_head == 0)
            {
                return false;
            }

            if (IsEmpty)
            {
                TailOffset = offset;
            }
            else if (_deltas is not null)
            {
                var delta = (long)HeadOffset - offset;
                if (!FitsDelta(delta))
                {
                    return false;
                }

                _deltas[_head] = (ushort)delta;
            }

            _head--;
            if (_offsets is not null)
            {
                _offsets[_head] = offset;
            }

            HeadOffset = offset;
            return true;
        }

        public int TakeFirst()
        {
            var value = HeadOffset;
            _head++;
            if (_head < _tail)
            {
                HeadOffset = _deltas is not null ? HeadOffset + _deltas[_head] : _offsets![_head];
            }

            return value;
        }

        public int Decode(int[] into)
        {
            var n = _tail - _head;
            if (_offsets is not null)
            {
                Array.Copy(_offsets, _head, into, 0, n);
                return n;
            }

            var v = HeadOffset;
            for (var i = 0; i < n; i++)
            {
                if (i > 0)
                {
                    v += _deltas![_head + i];
                }

                into[i] = v;
            }

            return n;
        }
    }
}
