using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace FlumeNet.Avro;

/// <summary>Avro binary encoding (spec §2) into an <see cref="IBufferWriter{T}"/>.</summary>
internal static class AvroWriter
{
    // Lone surrogates become U+FFFD instead of failing the batch (Java substitutes too).
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>zig-zag, then base-128 varint, low group first.</summary>
    public static void WriteLong(IBufferWriter<byte> w, long value)
    {
        ulong n = (ulong)((value << 1) ^ (value >> 63));
        Span<byte> span = w.GetSpan(10);
        int i = 0;
        while (n >= 0x80)
        {
            span[i++] = (byte)(n | 0x80);
            n >>= 7;
        }

        span[i++] = (byte)n;
        w.Advance(i);
    }

    public static void WriteInt(IBufferWriter<byte> w, int value) => WriteLong(w, value);

    public static void WriteBoolean(IBufferWriter<byte> w, bool value)
    {
        w.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        w.Advance(1);
    }

    /// <summary>long byte length + UTF-8 bytes.</summary>
    public static void WriteString(IBufferWriter<byte> w, string value)
    {
        int len = Utf8.GetByteCount(value);
        WriteLong(w, len);
        if (len > 0)
        {
            Span<byte> span = w.GetSpan(len);
            Utf8.GetBytes(value, span);
            w.Advance(len);
        }
    }

    /// <summary>long length + raw bytes.</summary>
    public static void WriteBytes(IBufferWriter<byte> w, ReadOnlySpan<byte> value)
    {
        WriteLong(w, value.Length);
        WriteFixed(w, value);
    }

    public static void WriteFixed(IBufferWriter<byte> w, ReadOnlySpan<byte> value)
    {
        if (value.Length > 0)
        {
            value.CopyTo(w.GetSpan(value.Length));
            w.Advance(value.Length);
        }
    }

    public static void WriteInt32BigEndian(IBufferWriter<byte> w, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(w.GetSpan(4), value);
        w.Advance(4);
    }
}

/// <summary>
/// Avro binary decoding over one complete message held in memory. Every length or count is
/// checked against the bytes actually left in the message before anything is allocated, so
/// a forged length can never cause an allocation larger than the (capped) frame itself.
/// </summary>
internal ref struct AvroReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public AvroReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    public readonly int Position => _pos;

    public readonly int Remaining => _data.Length - _pos;

    public long ReadLong()
    {
        ulong n = 0;
        int shift = 0;
        while (true)
        {
            if (_pos >= _data.Length)
            {
                throw new AvroProtocolException("truncated Avro message (varint)");
            }

            byte b = _data[_pos++];
            n |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }

            shift += 7;
            if (shift > 63)
            {
                throw new AvroProtocolException("invalid Avro varint (more than 10 bytes)");
            }
        }

        return (long)(n >> 1) ^ -(long)(n & 1);
    }

    public int ReadInt()
    {
        long v = ReadLong();
        if (v is < int.MinValue or > int.MaxValue)
        {
            throw new AvroProtocolException($"Avro int out of range: {v}");
        }

        return (int)v;
    }

    public bool ReadBoolean()
    {
        byte b = ReadByte();
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new AvroProtocolException($"invalid Avro boolean byte {b}"),
        };
    }

    public byte ReadByte()
    {
        if (_pos >= _data.Length)
        {
            throw new AvroProtocolException("truncated Avro message");
        }

        return _data[_pos++];
    }

    /// <summary>Reads a length prefix and checks it fits in what is left of the message.</summary>
    public int ReadLength()
    {
        long len = ReadLong();
        if (len < 0 || len > Remaining)
        {
            throw new AvroProtocolException($"invalid Avro length {len} ({Remaining} bytes left in message)");
        }

        return (int)len;
    }

    public ReadOnlySpan<byte> ReadFixed(int size)
    {
        if (size > Remaining)
        {
            throw new AvroProtocolException("truncated Avro message (fixed)");
        }

        ReadOnlySpan<byte> s = _data.Slice(_pos, size);
        _pos += size;
        return s;
    }

    public ReadOnlySpan<byte> ReadBytesSpan() => ReadFixed(ReadLength());

    public byte[] ReadBytes() => ReadBytesSpan().ToArray();

    public string ReadString()
    {
        ReadOnlySpan<byte> s = ReadBytesSpan();
        // Invalid UTF-8 decodes to U+FFFD, as Java's Utf8 does, rather than dropping the batch.
        return s.IsEmpty ? string.Empty : AvroStrings.Utf8Lenient.GetString(s);
    }

    /// <summary>
    /// Reads one array/map block header: returns the item count (0 = end of the collection).
    /// Accepts the negative-count form (count, then block byte size). The count is capped by the
    /// bytes left, since every item takes at least <paramref name="minItemBytes"/> bytes.
    /// </summary>
    public int ReadBlockCount(int minItemBytes)
    {
        long c = ReadLong();
        if (c < 0)
        {
            if (c == long.MinValue)
            {
                throw new AvroProtocolException("invalid Avro block count");
            }

            c = -c;
            long size = ReadLong();
            if (size < 0 || size > Remaining)
            {
                throw new AvroProtocolException($"invalid Avro block size {size}");
            }
        }

        if (c > Remaining / Math.Max(1, minItemBytes))
        {
            throw new AvroProtocolException($"Avro block count {c} exceeds the {Remaining} bytes left in the message");
        }

        return (int)c;
    }

    /// <summary>Skips a map&lt;bytes&gt; (call metadata / handshake meta).</summary>
    public void SkipBytesMap()
    {
        int n;
        while ((n = ReadBlockCount(2)) != 0)
        {
            for (int i = 0; i < n; i++)
            {
                ReadBytesSpan();
                ReadBytesSpan();
            }
        }
    }
}

internal static class AvroStrings
{
    public static readonly UTF8Encoding Utf8Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
}
