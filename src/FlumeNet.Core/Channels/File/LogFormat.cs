using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace FlumeNet.Channels.File;

/// <summary>Kinds of log records (first payload byte).</summary>
internal enum RecordType : byte
{
    Put = 1,
    Take = 2,
    Commit = 3,
}

/// <summary>
/// The data-log format (docs/file-channel.md). A segment file <c>log-&lt;id&gt;</c> starts with an 8-byte header
/// (<c>FNL1</c>, segment id) followed by frames: <c>u32 length | u32 CRC-32C of the payload | payload</c>, little-endian.
/// Payload byte 0 is the <see cref="RecordType"/>: a Put carries one event (headers, body), a Take names the Put it
/// consumed by (segment, offset), a Commit (transaction id, record count) closes the records written just before it.
/// A transaction's records are written contiguously, in one segment, with its Commit last.
/// </summary>
internal static class LogFormat
{
    public const int HeaderSize = 8;
    public const int FrameHeaderSize = 8;
    public const uint SegmentMagic = 0x314C4E46; // "FNL1"
    public const int TakePayloadSize = 9;
    public const int CommitPayloadSize = 13;

    /// <summary>Largest payload accepted when reading (an event is far smaller; guards against garbage lengths).</summary>
    public const int MaxPayload = 512 * 1024 * 1024;

    public static string SegmentFileName(int id) => "log-" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParseSegmentFileName(string name, out int id)
    {
        id = 0;
        return name.StartsWith("log-", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id)
            && id > 0;
    }

    public static void WriteSegmentHeader(Span<byte> dest, int id)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(dest, SegmentMagic);
        BinaryPrimitives.WriteInt32LittleEndian(dest[4..], id);
    }

    public static bool IsSegmentHeader(ReadOnlySpan<byte> src, int id) =>
        src.Length >= HeaderSize && BinaryPrimitives.ReadUInt32LittleEndian(src) == SegmentMagic && BinaryPrimitives.ReadInt32LittleEndian(src[4..]) == id;

    /// <summary>Appends a Put frame for <paramref name="e"/> and returns its offset within <paramref name="buffer"/>.</summary>
    public static int WritePut(ArrayBufferWriter<byte> buffer, Event e)
    {
        var start = buffer.WrittenCount;
        var headers = e.HeaderCount == 0 ? null : e.HeadersOrNull; // never creates a dictionary for a header-less event
        var headerCount = headers?.Count ?? 0;
        var payloadSize = 1 + VarIntSize(headerCount) + VarIntSize(e.BodyArray.Length) + e.BodyArray.Length;
        if (headers is not null)
        {
            foreach (var (k, v) in headers)
            {
                var kl = Encoding.UTF8.GetByteCount(k);
                var vl = Encoding.UTF8.GetByteCount(v);
                payloadSize += VarIntSize(kl) + kl + VarIntSize(vl) + vl;
            }
        }

        var span = buffer.GetSpan(FrameHeaderSize + payloadSize)[..(FrameHeaderSize + payloadSize)];
        var p = span[FrameHeaderSize..];
        p[0] = (byte)RecordType.Put;
        var pos = 1;
        pos += WriteVarInt(p[pos..], headerCount);
        if (headers is not null)
        {
            foreach (var (k, v) in headers)
            {
                pos += WriteString(p[pos..], k);
                pos += WriteString(p[pos..], v);
            }
        }

        pos += WriteVarInt(p[pos..], e.BodyArray.Length);
        e.BodyArray.CopyTo(p[pos..]);
        SealFrame(span, payloadSize);
        buffer.Advance(FrameHeaderSize + payloadSize);
        return start;
    }

    public static void WriteTake(ArrayBufferWriter<byte> buffer, long pointer)
    {
        var span = buffer.GetSpan(FrameHeaderSize + TakePayloadSize)[..(FrameHeaderSize + TakePayloadSize)];
        var p = span[FrameHeaderSize..];
        p[0] = (byte)RecordType.Take;
        BinaryPrimitives.WriteInt32LittleEndian(p[1..], PointerQueue.SegmentOf(pointer));
        BinaryPrimitives.WriteInt32LittleEndian(p[5..], PointerQueue.OffsetOf(pointer));
        SealFrame(span, TakePayloadSize);
        buffer.Advance(FrameHeaderSize + TakePayloadSize);
    }

    public static void WriteCommit(ArrayBufferWriter<byte> buffer, long txId, int records)
    {
        var span = buffer.GetSpan(FrameHeaderSize + CommitPayloadSize)[..(FrameHeaderSize + CommitPayloadSize)];
        var p = span[FrameHeaderSize..];
        p[0] = (byte)RecordType.Commit;
        BinaryPrimitives.WriteInt64LittleEndian(p[1..], txId);
        BinaryPrimitives.WriteInt32LittleEndian(p[9..], records);
        SealFrame(span, CommitPayloadSize);
        buffer.Advance(FrameHeaderSize + CommitPayloadSize);
    }

    /// <summary>
    /// Checks the frame at the start of <paramref name="src"/>: Valid (payload returned), NeedMore (the frame claims
    /// more bytes than <paramref name="src"/> holds; <paramref name="frameSize"/> says how many), or Invalid.
    /// </summary>
    public static FrameStatus TryReadFrame(ReadOnlySpan<byte> src, out int frameSize, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        frameSize = 0;
        if (src.Length < FrameHeaderSize)
        {
            return FrameStatus.NeedMore;
        }

        var len = BinaryPrimitives.ReadUInt32LittleEndian(src);
        if (len == 0 || len > MaxPayload)
        {
            return FrameStatus.Invalid;
        }

        frameSize = FrameHeaderSize + (int)len;
        if (src.Length < frameSize)
        {
            return FrameStatus.NeedMore;
        }

        payload = src.Slice(FrameHeaderSize, (int)len);
        if (Crc32C.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(src[4..]))
        {
            payload = default;
            return FrameStatus.Invalid;
        }

        return FrameStatus.Valid;
    }

    public static Event ReadPut(ReadOnlySpan<byte> payload)
    {
        var pos = 1;
        var count = ReadVarInt(payload, ref pos);
        var headers = count == 0 ? null : new Dictionary<string, string>(count);
        for (var i = 0; i < count; i++)
        {
            var k = ReadString(payload, ref pos);
            headers![k] = ReadString(payload, ref pos);
        }

        var len = ReadVarInt(payload, ref pos);
        return new Event(headers, payload.Slice(pos, len).ToArray());
    }

    public static long ReadTake(ReadOnlySpan<byte> payload) =>
        PointerQueue.Pack(BinaryPrimitives.ReadInt32LittleEndian(payload[1..]), BinaryPrimitives.ReadInt32LittleEndian(payload[5..]));

    public static (long TxId, int Records) ReadCommit(ReadOnlySpan<byte> payload) =>
        (BinaryPrimitives.ReadInt64LittleEndian(payload[1..]), BinaryPrimitives.ReadInt32LittleEndian(payload[9..]));

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/> or up to the end of the file; returns the count.</summary>
    public static int ReadAtMost(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer[filled..], offset + filled);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }

    private static void SealFrame(Span<byte> frame, int payloadSize)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payloadSize);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32C.Compute(frame.Slice(FrameHeaderSize, payloadSize)));
    }

    private static int WriteString(Span<byte> dest, string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        var pos = WriteVarInt(dest, n);
        Encoding.UTF8.GetBytes(s, dest[pos..]);
        return pos + n;
    }

    private static string ReadString(ReadOnlySpan<byte> src, ref int pos)
    {
        var n = ReadVarInt(src, ref pos);
        var s = Encoding.UTF8.GetString(src.Slice(pos, n));
        pos += n;
        return s;
    }

    private static int VarIntSize(int v)
    {
        var n = 1;
        var u = (uint)v;
        while (u >= 0x80)
        {
            u >>= 7;
            n++;
        }

        return n;
    }

    private static int WriteVarInt(Span<byte> dest, int v)
    {
        var u = (uint)v;
        var i = 0;
        while (u >= 0x80)
        {
            dest[i++] = (byte)(u | 0x80);
            u >>= 7;
        }

        dest[i++] = (byte)u;
        return i;
    }

    private static int ReadVarInt(ReadOnlySpan<byte> src, ref int pos)
    {
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = src[pos++];
            result |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (result > int.MaxValue)
                {
                    break;
                }

                return (int)result;
            }
        }

        throw new InvalidDataException("bad length in event record");
    }
}

internal enum FrameStatus
{
    Valid,
    NeedMore,
    Invalid,
}
