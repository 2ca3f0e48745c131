using System.IO.Compression;

namespace FlumeNet.Avro;

/// <summary>
/// Flume's deflate layer (spec §8): each direction of the TCP connection is one zlib stream
/// (RFC 1950). Every write is followed by a sync flush (<c>00 00 FF FF</c>) so the peer can
/// inflate each message as soon as it arrives. Disposing writes the final block and Adler-32.
/// Sits directly on the socket, beneath TLS when both are enabled.
/// Reads and writes may run concurrently (one reader, one writer), as on a NetworkStream.
/// </summary>
internal sealed class ZlibDuplexStream : Stream
{
    private readonly Stream _inner;
    private readonly ZLibStream _inflater;
    private readonly ZLibStream _deflater;
    private int _disposed;

    public ZlibDuplexStream(Stream inner, int compressionLevel)
    {
        _inner = inner;
        _inflater = new ZLibStream(inner, CompressionMode.Decompress, leaveOpen: true);
        _deflater = new ZLibStream(inner, new ZLibCompressionOptions { CompressionLevel = compressionLevel }, leaveOpen: true);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return _inflater.Read(buffer);
        }
        catch (InvalidDataException ex)
        {
            throw NotDeflate(ex);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _inflater.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw NotDeflate(ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _deflater.Write(buffer);
        _deflater.Flush();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _deflater.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await _deflater.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _deflater.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _deflater.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                _deflater.Dispose(); // writes the final block + Adler-32, as Java does at close
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // peer already gone: the trailer cannot be delivered, nothing to do
            }

            _inflater.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private static AvroProtocolException NotDeflate(InvalidDataException ex) =>
        new("peer is not sending deflate data: check compression-type on both sides", ex);
}
