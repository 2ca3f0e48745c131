namespace FlumeNet.Avro;

/// <summary>
/// The bytes an <see cref="AvroRpcServer"/> may hold for request frames still being received, across all of its
/// connections, counted in chunks of <see cref="ChunkBytes"/>. A connection takes a chunk before it reads the bytes
/// that go into it and waits when none is left (it stops reading, so TCP pushes back on the sender), and gives its
/// chunks back when the frame is complete or the connection ends. Thread-safe.
/// </summary>
internal sealed class ReceiveBudget
{
    /// <summary>Unit of the budget and size of one piece of a frame being received.</summary>
    public const int ChunkBytes = 64 * 1024;

    private readonly SemaphoreSlim _chunks;

    public ReceiveBudget(long bytes)
    {
        Chunks = (int)Math.Clamp(bytes / ChunkBytes, 1, int.MaxValue);
        _chunks = new SemaphoreSlim(Chunks, Chunks);
    }

    /// <summary>Chunks in the whole budget.</summary>
    public int Chunks { get; }

    /// <summary>The largest frame that can ever be received within the budget.</summary>
    public long Bytes => (long)Chunks * ChunkBytes;

    /// <summary>Chunks nobody holds right now.</summary>
    public int Available => _chunks.CurrentCount;

    /// <summary>Takes one chunk, waiting while the budget is spent.</summary>
    public Task TakeAsync(CancellationToken ct) => _chunks.WaitAsync(ct);

    /// <summary>Gives back <paramref name="count"/> chunks taken with <see cref="TakeAsync"/>.</summary>
    public void Return(int count)
    {
        if (count > 0)
        {
            _chunks.Release(count);
        }
    }
}
