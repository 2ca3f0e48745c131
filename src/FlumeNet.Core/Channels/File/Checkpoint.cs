using System.Buffers.Binary;

namespace FlumeNet.Channels.File;

/// <summary>The state a checkpoint file records: the queue after applying every log record before (Segment, Offset).</summary>
internal sealed class CheckpointData
{
    public required int Segment { get; init; }

    public required long Offset { get; init; }

    public required long NextTxId { get; init; }

    public required PointerQueue Queue { get; init; }
}

/// <summary>
/// Checkpoint files (<c>checkpoint</c> in the checkpoint directory): <c>FNC1</c>, version, log position, next
/// transaction id, pointer count, then runs (<c>segment, n, n offsets</c>), then a CRC-32C of everything before it.
/// Written to <c>checkpoint.tmp</c>, fsynced, renamed over <c>checkpoint</c>, and the directory fsynced.
/// </summary>
internal static class Checkpoint
{
    public const string FileName = "checkpoint";
    private const uint Magic = 0x31434E46; // "FNC1"
    private const int Version = 1;
    private const int HeaderSize = 32;

    /// <summary>Writes the checkpoint's bytes to <paramref name="tmpPath"/> (not yet durable; see <see cref="Publish"/>).</summary>
    public static void WriteTemp(string tmpPath, int segment, long offset, long nextTxId, IReadOnlyList<long> inFlight, PointerQueue queue)
    {
        using var fs = new FileStream(tmpPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        uint crc = ~0u;
        Span<byte> head = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(head, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(head[4..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(head[8..], segment);
        BinaryPrimitives.WriteInt64LittleEndian(head[12..], offset);
        BinaryPrimitives.WriteInt64LittleEndian(head[20..], nextTxId);
        BinaryPrimitives.WriteInt32LittleEndian(head[28..], 0);
        crc = Crc32C.Append(crc, head);
        fs.Write(head);

        var runs = new List<(int Segment, ReadOnlyMemory<int> Offsets)>();
        var run = new List<int>();
        var runSegment = 0;
        foreach (var p in inFlight.Order())
        {
            var seg = PointerQueue.SegmentOf(p);
            if (run.Count > 0 && seg != runSegment)
            {
                runs.Add((runSegment, run.ToArray()));
                run.Clear();
            }

            runSegment = seg;
            run.Add(PointerQueue.OffsetOf(p));
        }

        if (run.Count > 0)
        {
            runs.Add((runSegment, run.ToArray()));
        }

        Span<byte> runHead = stackalloc byte[8];
        foreach (var (seg, offsets) in runs.Concat(queue.Runs()))
        {
            BinaryPrimitives.WriteInt32LittleEndian(runHead, seg);
            BinaryPrimitives.WriteInt32LittleEndian(runHead[4..], offsets.Length);
            crc = Crc32C.Append(crc, runHead);
            fs.Write(runHead);
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(offsets.Span);
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("checkpoints are written little-endian");
            }

            crc = Crc32C.Append(crc, bytes);
            fs.Write(bytes);
        }

        // End marker: a run with n = -1, then the CRC.
        BinaryPrimitives.WriteInt32LittleEndian(runHead, 0);
        BinaryPrimitives.WriteInt32LittleEndian(runHead[4..], -1);
        crc = Crc32C.Append(crc, runHead);
        fs.Write(runHead);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, ~crc);
        fs.Write(tail);
    }

    /// <summary>fsyncs <paramref name="tmpPath"/>, renames it to <paramref name="finalPath"/>, fsyncs the directory.</summary>
    public static void Publish(string tmpPath, string finalPath)
    {
        using (var fs = new FileStream(tmpPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 0))
        {
            fs.Flush(flushToDisk: true);
        }

        System.IO.File.Move(tmpPath, finalPath, overwrite: true);
        NativeFs.FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(finalPath))!);
    }

    /// <summary>Reads a checkpoint; null with a reason when it is missing, damaged or does not fit the segments on disk.</summary>
    public static CheckpointData? TryRead(string path, IReadOnlyCollection<SegmentFile> segments, out string? problem)
    {
        problem = null;
        if (!System.IO.File.Exists(path))
        {
            problem = "no checkpoint";
            return null;
        }

        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var head = new byte[HeaderSize];
            fs.ReadExactly(head);
            uint crc = Crc32C.Append(~0u, head);
            if (BinaryPrimitives.ReadUInt32LittleEndian(head) != Magic || BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(4)) != Version)
            {
                problem = "not a checkpoint of this format";
                return null;
            }

            var segment = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(8));
            var offset = BinaryPrimitives.ReadInt64LittleEndian(head.AsSpan(12));
            var nextTx = BinaryPrimitives.ReadInt64LittleEndian(head.AsSpan(20));
            var known = segments.ToDictionary(s => s.Id);
            var queue = new PointerQueue();
            var runHead = new byte[8];
            var buf = new byte[4096 * 4];
            while (true)
            {
                fs.ReadExactly(runHead);
                crc = Crc32C.Append(crc, runHead);
                var seg = BinaryPrimitives.ReadInt32LittleEndian(runHead);
                var n = BinaryPrimitives.ReadInt32LittleEndian(runHead.AsSpan(4));
                if (n == -1)
                {
                    break;
                }

                if (n < 0 || n > 1 << 24)
                {
                    problem = "damaged (bad run length)";
                    return null;
                }

                if (!known.ContainsKey(seg))
                {
                    problem = $"it refers to data file {LogFormat.SegmentFileName(seg)}, which is gone (stale checkpoint)";
                    return null;
                }

                if (buf.Length < n * 4)
                {
                    buf = new byte[n * 4];
                }

                var span = buf.AsSpan(0, n * 4);
                fs.ReadExactly(span);
                crc = Crc32C.Append(crc, span);
                for (var i = 0; i < n; i++)
                {
                    queue.AddLast(PointerQueue.Pack(seg, BinaryPrimitives.ReadInt32LittleEndian(span[(i * 4)..])));
                }
            }

            var tail = new byte[4];
            fs.ReadExactly(tail);
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail) != ~crc)
            {
                problem = "damaged (checksum mismatch)";
                return null;
            }

            if (!known.TryGetValue(segment, out var at) || new FileInfo(at.Path).Length < offset)
            {
                problem = $"its log position {LogFormat.SegmentFileName(segment)}:{offset} is not on disk (stale checkpoint)";
                return null;
            }

            return new CheckpointData { Segment = segment, Offset = offset, NextTxId = nextTx, Queue = queue };
        }
        catch (EndOfStreamException)
        {
            problem = "truncated";
            return null;
        }
        catch (IOException e)
        {
            problem = e.Message;
            return null;
        }
    }
}
