using Microsoft.Win32.SafeHandles;

namespace FlumeNet.Channels.File;

/// <summary>One data-log segment on disk.</summary>
internal sealed record SegmentFile(int Id, string Path);

/// <summary>Something recovery found wrong in a segment.</summary>
/// <param name="Torn">True for an incomplete last record (crash mid-write): nothing valid follows, cut it off.</param>
internal sealed record LogDamage(string Path, long Offset, long Length, bool Torn);

/// <summary>What replaying the data logs yields: the queue of committed, untaken events and where the log ends.</summary>
internal sealed class ReplayResult
{
    public required PointerQueue Queue { get; init; }

    public required List<LogDamage> Damage { get; init; }

    public long NextTxId { get; set; } = 1;

    public long Transactions { get; set; }

    public long BytesRead { get; set; }

    /// <summary>Segment the replay began with (null when there was no segment to read).</summary>
    public int? FirstSegment { get; set; }
}

/// <summary>
/// Recovery as a function from files to state: replays committed transactions of the segments (from a checkpoint's
/// position, or from the oldest segment) and reports torn tails and damage. It changes no file: cutting a torn tail
/// and copying damaged bytes aside is the caller's job.
/// </summary>
internal static class LogReplay
{
    private const int Window = 1 << 20;

    /// <param name="segments">Existing segments, any order.</param>
    /// <param name="checkpoint">A checkpoint already checked against <paramref name="segments"/>, or null for a full replay.</param>
    public static ReplayResult Run(IReadOnlyList<SegmentFile> segments, CheckpointData? checkpoint)
    {
        var ordered = segments.OrderBy(s => s.Id).ToList();
        var result = new ReplayResult { Queue = checkpoint?.Queue ?? new PointerQueue(), Damage = new() };
        if (checkpoint is not null)
        {
            result.NextTxId = checkpoint.NextTxId;
        }

        var tombstones = new HashSet<long>();
        var pending = new List<long>();
        var lastId = ordered.Count == 0 ? 0 : ordered[^1].Id;
        foreach (var seg in ordered)
        {
            long start = LogFormat.HeaderSize;
            if (checkpoint is not null)
            {
                if (seg.Id < checkpoint.Segment)
                {
                    continue;
                }

                if (seg.Id == checkpoint.Segment)
                {
                    start = Math.Max(start, checkpoint.Offset);
                }
            }

            result.FirstSegment ??= seg.Id;
            ReplaySegment(seg, start, seg.Id == lastId, result, tombstones, pending);
        }

        if (tombstones.Count > 0)
        {
            result.Queue.RemoveAll(tombstones);
        }

        return result;
    }

    private static void ReplaySegment(SegmentFile seg, long start, bool isLast, ReplayResult result, HashSet<long> tombstones, List<long> pending)
    {
        using var scanner = new SegmentScanner(seg.Path);
        var length = scanner.Length;
        if (start == LogFormat.HeaderSize)
        {
            if (length < LogFormat.HeaderSize)
            {
                result.Damage.Add(new LogDamage(seg.Path, 0, length, Torn: isLast));
                return;
            }

            if (!LogFormat.IsSegmentHeader(scanner.Read(0, LogFormat.HeaderSize), seg.Id))
            {
                result.Damage.Add(new LogDamage(seg.Path, 0, LogFormat.HeaderSize, Torn: false));
            }
        }

        pending.Clear();
        var pos = start;
        while (pos < length)
        {
            var status = scanner.TryFrame(pos, out var frameSize, out var payload);
            if (status != FrameStatus.Valid || !IsKnown(payload))
            {
                var next = scanner.FindNextFrame(pos + 1);
                if (next < 0)
                {
                    result.Damage.Add(new LogDamage(seg.Path, pos, length - pos, Torn: isLast));
                    break;
                }

                result.Damage.Add(new LogDamage(seg.Path, pos, next - pos, Torn: false));
                pos = next;
                continue;
            }

            switch ((RecordType)payload[0])
            {
                case RecordType.Put:
                    pending.Add(PointerQueue.Pack(seg.Id, checked((int)pos)));
                    break;
                case RecordType.Take:
                    // A take is stored as the pointer with the top bit of the offset set, to share one pending list.
                    pending.Add(LogFormat.ReadTake(payload) | TakeFlag);
                    break;
                case RecordType.Commit:
                    var (txId, _) = LogFormat.ReadCommit(payload);
                    Apply(pending, result.Queue, tombstones);
                    pending.Clear();
                    result.Transactions++;
                    result.NextTxId = Math.Max(result.NextTxId, txId + 1);
                    break;
            }

            pos += frameSize;
        }

        // Records with no commit after them in this segment belong to a transaction that never committed.
        pending.Clear();
        result.BytesRead += Math.Max(0, length - start);
    }

    private const long TakeFlag = 1L << 31;

    private static bool IsKnown(ReadOnlySpan<byte> payload) => (RecordType)payload[0] switch
    {
        RecordType.Put => payload.Length >= 3,
        RecordType.Take => payload.Length == LogFormat.TakePayloadSize,
        RecordType.Commit => payload.Length == LogFormat.CommitPayloadSize,
        _ => false,
    };

    private static void Apply(List<long> records, PointerQueue queue, HashSet<long> tombstones)
    {
        foreach (var r in records)
        {
            if ((r & TakeFlag) == 0)
            {
                queue.AddLast(r);
                continue;
            }

            var ptr = r & ~TakeFlag;
            if (queue.TryPeekFirst(out var head) && head == ptr)
            {
                queue.TryTakeFirst(out _);
            }
            else
            {
                tombstones.Add(ptr);
            }
        }
    }

    /// <summary>Random-access frame reader over one segment with a read window.</summary>
    private sealed class SegmentScanner : IDisposable
    {
        private readonly SafeFileHandle _handle;
        private byte[] _buffer = new byte[Window];
        private long _winStart;
        private int _winLength;

        public SegmentScanner(string path)
        {
            _handle = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Length = RandomAccess.GetLength(_handle);
        }

        public long Length { get; }

        public ReadOnlySpan<byte> Read(long pos, int count)
        {
            Ensure(pos, count);
            var from = (int)(pos - _winStart);
            return _buffer.AsSpan(from, Math.Min(count, _winLength - from));
        }

        public FrameStatus TryFrame(long pos, out int frameSize, out ReadOnlySpan<byte> payload)
        {
            var status = LogFormat.TryReadFrame(Read(pos, LogFormat.FrameHeaderSize), out frameSize, out payload);
            if (status == FrameStatus.NeedMore && frameSize > 0 && pos + frameSize <= Length)
            {
                status = LogFormat.TryReadFrame(Read(pos, frameSize), out frameSize, out payload);
            }

            return status == FrameStatus.NeedMore ? FrameStatus.Invalid : status;
        }

        /// <summary>The offset of the next valid frame at or after <paramref name="from"/>, or -1.</summary>
        public long FindNextFrame(long from)
        {
            for (var p = from; p + LogFormat.FrameHeaderSize < Length; p++)
            {
                var head = Read(p, LogFormat.FrameHeaderSize);
                var len = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(head);
                if (len < 1 || len > LogFormat.MaxPayload || p + LogFormat.FrameHeaderSize + len > Length)
                {
                    continue;
                }

                if (TryFrame(p, out _, out var payload) == FrameStatus.Valid && IsKnown(payload))
                {
                    return p;
                }
            }

            return -1;
        }

        public void Dispose() => _handle.Dispose();

        private void Ensure(long pos, int count)
        {
            if (pos >= _winStart && pos + count <= _winStart + _winLength)
            {
                return;
            }

            if (_buffer.Length < count)
            {
                _buffer = new byte[count];
            }

            _winStart = pos;
            _winLength = LogFormat.ReadAtMost(_handle, _buffer, pos);
        }
    }
}
