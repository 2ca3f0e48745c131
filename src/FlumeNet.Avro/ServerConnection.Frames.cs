using System.Buffers;

namespace FlumeNet.Avro;

/// <summary>Reading request frames within the server's receive budget and the frame deadline.</summary>
internal sealed partial class ServerConnection
{
    private readonly List<byte[]> _spill = new(); // pieces 1..n of a frame larger than one chunk; piece 0 is _recv
    private int _chunksHeld; // budget chunks this connection holds for the frame being read

    /// <summary>
    /// Reads one request frame (layout in <see cref="FrameCodec"/>) into <see cref="_recv"/>. Waiting for the first
    /// byte is bounded only by <paramref name="idle"/>; from that byte on, <paramref name="frame"/> is armed with
    /// <see cref="AvroRpcServerOptions.FrameReadTimeout"/>. Every 64 KiB of the frame is taken from the server's
    /// <see cref="ReceiveBudget"/> before it is read, so frames being received never hold more than the budget; the
    /// chunks go back when the frame is complete (or on any failure). Returns the serial, or null if the stream ended
    /// cleanly before the first header byte.
    /// </summary>
    private async ValueTask<int?> ReadRequestAsync(Stream stream, CancellationToken idle, CancellationTokenSource frame, bool sniff)
    {
        _recv.Clear();
        int got = await stream.ReadAsync(_header8.AsMemory(0, 8), idle).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        Touch();
        frame.CancelAfter(_server.Options.FrameReadTimeout);
        CancellationToken ct = frame.Token;
        try
        {
            got += await FrameCodec.ReadAtLeastAsync(stream, _header8.AsMemory(got, 8 - got), ct).ConfigureAwait(false);
            if (got < 8)
            {
                throw new EndOfStreamException("connection closed in the middle of a frame header");
            }

            int max = _server.MaxFrameBytes;
            int serial = FrameCodec.ParseHeader(_header8, max, sniff, out int count);
            long total = 0;
            for (int i = 0; i < count; i++)
            {
                if (await FrameCodec.ReadAtLeastAsync(stream, _header8.AsMemory(0, 4), ct).ConfigureAwait(false) < 4)
                {
                    throw new EndOfStreamException("connection closed in the middle of a frame");
                }

                int len = FrameCodec.ReadBufferLength(_header8, total, max);
                await ReadBytesAsync(stream, total, len, ct).ConfigureAwait(false);
                total += len;
                Touch();
            }

            Assemble(total);
            if (!frame.TryReset())
            {
                ct.ThrowIfCancellationRequested();
            }

            return serial;
        }
        finally
        {
            ReleaseFrame();
        }
    }

    /// <summary>Reads <paramref name="len"/> bytes of the frame, which holds <paramref name="stored"/> bytes so far.</summary>
    private async ValueTask ReadBytesAsync(Stream stream, long stored, int len, CancellationToken ct)
    {
        const int Chunk = ReceiveBudget.ChunkBytes;
        while (len > 0)
        {
            long room = ((long)_chunksHeld * Chunk) - stored;
            if (room == 0)
            {
                await _server.Budget.TakeAsync(ct).ConfigureAwait(false);
                _chunksHeld++;
                if (_chunksHeld > 1)
                {
                    _spill.Add(ArrayPool<byte>.Shared.Rent(Chunk));
                }

                room = Chunk;
            }

            int want = (int)Math.Min(len, room);
            Memory<byte> dest = _chunksHeld == 1
                ? _recv.GetMemory(want)[..want]
                : _spill[^1].AsMemory(Chunk - (int)room, want);
            int n = await stream.ReadAsync(dest, ct).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException("connection closed in the middle of a frame");
            }

            if (_chunksHeld == 1)
            {
                _recv.Advance(n);
            }

            stored += n;
            len -= n;
        }
    }

    /// <summary>Appends the spilled pieces to <see cref="_recv"/>, so the message is one contiguous span.</summary>
    private void Assemble(long total)
    {
        if (_spill.Count == 0)
        {
            return;
        }

        long left = total - _recv.WrittenCount;
        Span<byte> dest = _recv.GetSpan((int)left);
        foreach (byte[] piece in _spill)
        {
            int n = (int)Math.Min(left, piece.Length);
            piece.AsSpan(0, n).CopyTo(dest);
            dest = dest[n..];
            left -= n;
        }

        _recv.Advance((int)(total - _recv.WrittenCount));
    }

    private void ReleaseFrame()
    {
        foreach (byte[] piece in _spill)
        {
            ArrayPool<byte>.Shared.Return(piece);
        }

        _spill.Clear();
        _server.Budget.Return(_chunksHeld);
        _chunksHeld = 0;
    }

    private void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);
}
