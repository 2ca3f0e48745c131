using System.Buffers.Binary;

namespace FlumeNet.Avro;

/// <summary>
/// Netty transport frames (spec §1):
/// <code>
/// serial int32 BE | count int32 BE | count × (len int32 BE | len bytes)
/// </code>
/// The logical message is the concatenation of the buffers; the split carries no meaning.
/// </summary>
internal static class FrameCodec
{
    /// <summary>Java's ByteBufferOutputStream buffer size: request parameters are cut into buffers of exactly this size.</summary>
    public const int JavaBufferSize = 8192;

    /// <summary>
    /// Reads one frame and appends the concatenated buffers to <paramref name="message"/> (cleared first).
    /// Returns the serial, or null if the stream ended cleanly before the first header byte.
    /// Caps: <paramref name="maxMessageBytes"/> on the sum of buffer lengths, count ≤ maxMessageBytes / 4 + 1
    /// (each buffer costs at least its 4-byte length). Memory grows only as bytes actually arrive, so a
    /// forged 2 GB length is rejected before any allocation and a truthful large one is bounded by the cap.
    /// <paramref name="sniffMisconfiguration"/>: reject a header that looks like a TLS record or a zlib stream
    /// (only meaningful for the first frame of a connection whose own layers are plain).
    /// </summary>
    public static async ValueTask<int?> ReadFrameAsync(Stream stream, PooledBufferWriter message, byte[] header8, int maxMessageBytes, CancellationToken ct, bool sniffMisconfiguration = false)
    {
        message.Clear();
        int got = await ReadAtLeastAsync(stream, header8.AsMemory(0, 8), ct).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        if (got < 8)
        {
            throw new EndOfStreamException("connection closed in the middle of a frame header");
        }

        int serial = ParseHeader(header8, maxMessageBytes, sniffMisconfiguration, out int count);
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            if (await ReadAtLeastAsync(stream, header8.AsMemory(0, 4), ct).ConfigureAwait(false) < 4)
            {
                throw new EndOfStreamException("connection closed in the middle of a frame");
            }

            int len = ReadBufferLength(header8, total, maxMessageBytes);
            total += len;
            int remaining = len;
            while (remaining > 0)
            {
                // grow in steps of at most 64 KiB as data arrives
                Memory<byte> dest = message.GetMemory(Math.Min(remaining, 64 * 1024));
                if (dest.Length > remaining)
                {
                    dest = dest[..remaining];
                }

                int n = await stream.ReadAsync(dest, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new EndOfStreamException("connection closed in the middle of a frame");
                }

                message.Advance(n);
                remaining -= n;
            }
        }

        return serial;
    }

    /// <summary>
    /// Checks a frame header (serial, buffer count) against the caps and returns the serial. With
    /// <paramref name="sniffMisconfiguration"/>, a header that looks like a TLS record or a zlib stream is rejected.
    /// </summary>
    public static int ParseHeader(byte[] header8, int maxMessageBytes, bool sniffMisconfiguration, out int count)
    {
        if (sniffMisconfiguration)
        {
            // A first frame never starts like this (serials start at 1): diagnose the usual misconfigurations.
            if (header8[0] == 0x16 && header8[1] == 0x03)
            {
                throw new AvroProtocolException("peer sent a TLS handshake: enable ssl here or disable it on the peer");
            }

            if (header8[0] == 0x78 && header8[1] is 0x01 or 0x5E or 0x9C or 0xDA)
            {
                throw new AvroProtocolException("peer is sending deflate data: check compression-type on both sides");
            }
        }

        int serial = BinaryPrimitives.ReadInt32BigEndian(header8.AsSpan(0, 4));
        count = BinaryPrimitives.ReadInt32BigEndian(header8.AsSpan(4, 4));
        long maxCount = (maxMessageBytes / 4L) + 1;
        if (count < 0 || count > maxCount)
        {
            throw new AvroProtocolException($"frame announces {count} buffers (allowed 0..{maxCount})");
        }

        return serial;
    }

    /// <summary>The buffer length in the first 4 bytes of <paramref name="header"/>, checked so that the message stays within the cap.</summary>
    public static int ReadBufferLength(byte[] header, long totalSoFar, int maxMessageBytes)
    {
        int len = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(0, 4));
        if (len < 0 || totalSoFar + len > maxMessageBytes)
        {
            throw new AvroProtocolException($"frame buffer length {len} is negative or makes the message exceed the cap of {maxMessageBytes} bytes");
        }

        return len;
    }

    public static async ValueTask<int> ReadAtLeastAsync(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer[total..], ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>
    /// Request frame exactly as Java's Requestor builds it: buffer 0 = <paramref name="head"/>
    /// (handshake + call metadata + message name), then <paramref name="parameters"/> cut into
    /// 8192-byte buffers, the last one shorter (one empty buffer if there are no parameter bytes).
    /// </summary>
    public static void WriteRequestFrame(PooledBufferWriter output, int serial, ReadOnlySpan<byte> head, ReadOnlySpan<byte> parameters)
    {
        int chunks = parameters.IsEmpty ? 1 : (parameters.Length + JavaBufferSize - 1) / JavaBufferSize;
        AvroWriter.WriteInt32BigEndian(output, serial);
        AvroWriter.WriteInt32BigEndian(output, 1 + chunks);
        AvroWriter.WriteInt32BigEndian(output, head.Length);
        output.Write(head);
        if (parameters.IsEmpty)
        {
            AvroWriter.WriteInt32BigEndian(output, 0);
            return;
        }

        for (int off = 0; off < parameters.Length; off += JavaBufferSize)
        {
            ReadOnlySpan<byte> chunk = parameters.Slice(off, Math.Min(JavaBufferSize, parameters.Length - off));
            AvroWriter.WriteInt32BigEndian(output, chunk.Length);
            output.Write(chunk);
        }
    }

    /// <summary>Starts a frame whose buffer count is patched by <see cref="EndFrame"/>. Returns the frame's start offset.</summary>
    public static int BeginFrame(PooledBufferWriter output, int serial)
    {
        int start = output.WrittenCount;
        AvroWriter.WriteInt32BigEndian(output, serial);
        AvroWriter.WriteInt32BigEndian(output, 0);
        return start;
    }

    /// <summary>Reserves a buffer length prefix; returns its offset for <see cref="EndBuffer"/>.</summary>
    public static int BeginBuffer(PooledBufferWriter output)
    {
        int at = output.WrittenCount;
        AvroWriter.WriteInt32BigEndian(output, 0);
        return at;
    }

    public static void EndBuffer(PooledBufferWriter output, int lengthOffset)
    {
        int len = output.WrittenCount - lengthOffset - 4;
        BinaryPrimitives.WriteInt32BigEndian(output.WrittenSpanMutable.Slice(lengthOffset, 4), len);
    }

    public static void EndFrame(PooledBufferWriter output, int frameStart, int bufferCount)
    {
        BinaryPrimitives.WriteInt32BigEndian(output.WrittenSpanMutable.Slice(frameStart + 4, 4), bufferCount);
    }
}
