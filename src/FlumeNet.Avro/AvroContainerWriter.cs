using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace FlumeNet.Avro;

/// <summary>
/// Writes an Avro object container file (Avro spec "Object Container Files") to a stream: the header once, then
/// blocks of datums that the caller has already encoded. Codecs: <c>null</c> and <c>deflate</c>. A block is written
/// when the buffered datums reach <c>syncInterval</c> bytes, and by <see cref="Flush"/>. Not thread-safe: one writer
/// per file, used by one sink at a time. The stream stays owned by the caller.
/// </summary>
internal sealed class AvroContainerWriter : IDisposable
{
    private static readonly byte[] Magic = [(byte)'O', (byte)'b', (byte)'j', 1];
    private readonly Stream _out;
    private readonly string _codec;
    private readonly int _syncInterval;
    private readonly byte[] _sync = new byte[16];
    private readonly PooledBufferWriter _block = new(8192);
    private readonly PooledBufferWriter _scratch = new(256);
    private long _blockCount;

    public AvroContainerWriter(Stream output, string schemaJson, string codec, int syncInterval)
    {
        if (codec is not ("null" or "deflate"))
        {
            throw new ArgumentException($"unsupported Avro codec '{codec}'", nameof(codec));
        }

        _out = output;
        _codec = codec;
        _syncInterval = Math.Max(32, syncInterval);
        RandomNumberGenerator.Fill(_sync);

        // header = magic, map<bytes> metadata { avro.schema, avro.codec }, 16-byte sync marker
        _scratch.Clear();
        AvroWriter.WriteFixed(_scratch, Magic);
        AvroWriter.WriteLong(_scratch, 2);
        AvroWriter.WriteString(_scratch, "avro.schema");
        AvroWriter.WriteBytes(_scratch, Encoding.UTF8.GetBytes(schemaJson));
        AvroWriter.WriteString(_scratch, "avro.codec");
        AvroWriter.WriteBytes(_scratch, Encoding.UTF8.GetBytes(codec));
        AvroWriter.WriteLong(_scratch, 0);
        AvroWriter.WriteFixed(_scratch, _sync);
        _out.Write(_scratch.WrittenSpan);
    }

    /// <summary>The buffer to encode the next datum into; call <see cref="EndDatum"/> after writing it.</summary>
    public IBufferWriter<byte> Datum => _block;

    /// <summary>Counts the datum just encoded into <see cref="Datum"/>; writes the block once it is large enough.</summary>
    public void EndDatum()
    {
        _blockCount++;
        if (_block.WrittenCount >= _syncInterval)
        {
            WriteBlock();
        }
    }

    /// <summary>Writes the pending datums as one block (if any) and flushes the stream.</summary>
    public void Flush()
    {
        WriteBlock();
        _out.Flush();
    }

    /// <summary>Forgets the datums not yet written as a block (their transaction failed).</summary>
    public void DiscardPending()
    {
        _block.Clear();
        _blockCount = 0;
    }

    public void Dispose()
    {
        _block.Dispose();
        _scratch.Dispose();
    }

    // block = long count, long byte size, the (compressed) datums, sync marker
    private void WriteBlock()
    {
        if (_blockCount == 0)
        {
            return;
        }

        ReadOnlySpan<byte> data = _block.WrittenSpan;
        byte[]? compressed = null;
        if (_codec == "deflate")
        {
            using var ms = new MemoryStream();
            using (var deflate = new DeflateStream(ms, CompressionLevel.Optimal, leaveOpen: true))
            {
                deflate.Write(data);
            }

            compressed = ms.ToArray();
            data = compressed;
        }

        _scratch.Clear();
        AvroWriter.WriteLong(_scratch, _blockCount);
        AvroWriter.WriteLong(_scratch, data.Length);
        _out.Write(_scratch.WrittenSpan);
        _out.Write(data);
        _out.Write(_sync);
        _block.Clear();
        _blockCount = 0;
    }
}
