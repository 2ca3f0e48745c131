using Microsoft.Win32.SafeHandles;

namespace FlumeNet.Channels.File;

/// <summary>
/// The append side of the data log and the registry of its segments. Appends are serialised by <see cref="WriteLock"/>;
/// durability is shared (group commit): a committer waits until some fsync has covered its bytes, and whoever finds no
/// fsync running starts one for everything appended so far. Reads go through <see cref="SegmentReader"/>s.
/// Thread-safe.
/// </summary>
internal sealed class DataLog : IDisposable
{
    private readonly string[] _dataDirs;
    private readonly object _segLock = new();
    private readonly SortedDictionary<int, Segment> _segments = new();
    private readonly object _syncLock = new();
    private long _maxFileSize;
    private volatile Segment _current = null!;
    private long _appended;     // bytes appended since open (all segments); written under WriteLock
    private long _synced;       // bytes known durable; under _syncLock
    private bool _syncing;

    public DataLog(string[] dataDirs, long maxFileSize)
    {
        _dataDirs = dataDirs;
        _maxFileSize = maxFileSize;
    }

    /// <summary>Held while appending; a checkpoint holds it to fix a log position.</summary>
    public object WriteLock { get; } = new();

    public long MaxFileSize
    {
        get => Interlocked.Read(ref _maxFileSize);
        set => Interlocked.Exchange(ref _maxFileSize, value);
    }

    /// <summary>Bytes appended since open (monotonic); read it under <see cref="WriteLock"/> for a stable value.</summary>
    public long Appended => Interlocked.Read(ref _appended);

    /// <summary>Current write position (segment id, offset). Call under <see cref="WriteLock"/>.</summary>
    public (int Segment, long Offset) Position => (_current.Id, _current.Length);


    /// <summary>Lists the segment files in the data directories.</summary>
    public static List<SegmentFile> ListSegments(string[] dataDirs)
    {
        var found = new List<SegmentFile>();
        foreach (var dir in dataDirs)
        {
            foreach (var path in Directory.EnumerateFiles(dir, "log-*"))
            {
                if (LogFormat.TryParseSegmentFileName(Path.GetFileName(path), out var id))
                {
                    if (found.FirstOrDefault(f => f.Id == id) is { } dup)
                    {
                        throw new ChannelException($"Data file {LogFormat.SegmentFileName(id)} exists in two data directories: {dup.Path} and {path}");
                    }

                    found.Add(new SegmentFile(id, path));
                }
            }
        }

        return found;
    }

    /// <summary>Registers the recovered segments and starts a new one after them.</summary>
    public void Open(IEnumerable<SegmentFile> existing)
    {
        var last = 0;
        lock (_segLock)
        {
            foreach (var s in existing)
            {
                _segments[s.Id] = new Segment(s.Id, s.Path) { Length = new FileInfo(s.Path).Length };
                last = Math.Max(last, s.Id);
            }
        }

        lock (WriteLock)
        {
            _current = CreateSegment(last + 1);
        }
    }

    /// <summary>
    /// Appends one transaction's bytes (whole frames) to the current segment, starting a new segment first when it would
    /// pass the size limit. Returns the log sequence to wait for with <see cref="WaitDurable"/>.
    /// </summary>
    public long Append(ReadOnlySpan<byte> bytes, out int segment, out int offset)
    {
        lock (WriteLock)
        {
            var seg = _current;
            if (seg.Length > LogFormat.HeaderSize && seg.Length + bytes.Length > MaxFileSize)
            {
                seg = Rotate();
            }

            var at = seg.Length;
            try
            {
                RandomAccess.Write(seg.Writer!.SafeFileHandle, bytes, at);
            }
            catch
            {
                // Leave no partial frame behind: later appends would otherwise follow garbage.
                try
                {
                    seg.Writer!.SetLength(at);
                }
                catch (IOException)
                {
                }

                throw;
            }

            seg.Length = at + bytes.Length;
            segment = seg.Id;
            offset = checked((int)at);
            return Interlocked.Add(ref _appended, bytes.Length);
        }
    }

    /// <summary>Returns once an fsync has covered everything up to <paramref name="sequence"/>; shares fsyncs between callers.</summary>
    public void WaitDurable(long sequence)
    {
        Monitor.Enter(_syncLock);
        try
        {
            while (_synced < sequence)
            {
                if (_syncing)
                {
                    Monitor.Wait(_syncLock);
                    continue;
                }

                _syncing = true;
                Monitor.Exit(_syncLock);
                long target = 0;
                try
                {
                    target = SyncCurrent();
                }
                finally
                {
                    Monitor.Enter(_syncLock);
                    _syncing = false;
                    _synced = Math.Max(_synced, target);
                    Monitor.PulseAll(_syncLock);
                }
            }
        }
        finally
        {
            Monitor.Exit(_syncLock);
        }
    }

    /// <summary>fsyncs everything appended so far.</summary>
    public void Sync() => WaitDurable(Appended);

    /// <summary>The segment ids on disk, oldest first.</summary>
    public int[] SegmentIds()
    {
        lock (_segLock)
        {
            return _segments.Keys.ToArray();
        }
    }

    /// <summary>Deletes the segments older than <paramref name="id"/> (never the one being written). Returns their paths.</summary>
    public List<string> DeleteBelow(int id)
    {
        var deleted = new List<string>();
        List<Segment> victims;
        lock (_segLock)
        {
            victims = _segments.Values.Where(s => s.Id < id && s != _current).ToList();
            foreach (var s in victims)
            {
                _segments.Remove(s.Id);
            }
        }

        foreach (var s in victims)
        {
            s.CloseHandles();
            System.IO.File.Delete(s.Path);
            deleted.Add(s.Path);
        }

        return deleted;
    }

    /// <summary>A read handle on a segment, or null when it is gone.</summary>
    public SafeFileHandle? ReadHandle(int id)
    {
        lock (_segLock)
        {
            if (!_segments.TryGetValue(id, out var s))
            {
                return null;
            }

            return s.Reader ??= System.IO.File.OpenHandle(s.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
    }

    public string? PathOf(int id)
    {
        lock (_segLock)
        {
            return _segments.TryGetValue(id, out var s) ? s.Path : null;
        }
    }

    public void Dispose()
    {
        lock (WriteLock)
        {
            lock (_segLock)
            {
                foreach (var s in _segments.Values)
                {
                    s.CloseHandles();
                }

                _segments.Clear();
            }
        }
    }

    private long SyncCurrent()
    {
        // Read the sequence before the segment: a rotation in between has already synced the older segment.
        var target = Interlocked.Read(ref _appended);
        var seg = _current;
        try
        {
            seg.Writer?.Flush(flushToDisk: true);
        }
        catch (ObjectDisposedException)
        {
            // Rotated (and synced) or closed meanwhile.
        }

        return target;
    }

    private Segment Rotate()
    {
        var old = _current;
        old.Writer!.Flush(flushToDisk: true);
        lock (_syncLock)
        {
            _synced = Math.Max(_synced, Interlocked.Read(ref _appended));
        }

        old.Writer.Dispose();
        old.Writer = null;
        _current = CreateSegment(old.Id + 1);
        return _current;
    }

    private Segment CreateSegment(int id)
    {
        var dir = _dataDirs[id % _dataDirs.Length];
        var path = Path.Combine(dir, LogFormat.SegmentFileName(id));
        var writer = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 0);
        Span<byte> header = stackalloc byte[LogFormat.HeaderSize];
        LogFormat.WriteSegmentHeader(header, id);
        RandomAccess.Write(writer.SafeFileHandle, header, 0);
        writer.Flush(flushToDisk: true);
        NativeFs.FsyncDirectory(dir);
        var seg = new Segment(id, path) { Writer = writer, Length = LogFormat.HeaderSize };
        lock (_segLock)
        {
            _segments[id] = seg;
        }

        return seg;
    }

    private sealed class Segment
    {
        public Segment(int id, string path)
        {
            Id = id;
            Path = path;
        }

        public int Id { get; }

        public string Path { get; }

        public long Length { get; set; }

        public FileStream? Writer { get; set; }

        public SafeFileHandle? Reader { get; set; }

        public void CloseHandles()
        {
            Writer?.Dispose();
            Writer = null;
            Reader?.Dispose();
            Reader = null;
        }
    }
}

/// <summary>
/// Reads events by pointer with a read-ahead window, so a sink taking a run of consecutive events costs one read per
/// window rather than one per event. One per transaction at a time (pooled by the channel); not thread-safe.
/// </summary>
internal sealed class SegmentReader
{
    private const int WindowSize = 256 * 1024;
    private byte[] _buffer = new byte[WindowSize];
    private int _segment = -1;
    private long _winStart;
    private int _winLength;

    /// <summary>The event at <paramref name="pointer"/>, or null (with a reason) when its record is gone or damaged.</summary>
    public Event? Read(DataLog log, long pointer, out string? problem)
    {
        problem = null;
        var seg = PointerQueue.SegmentOf(pointer);
        long off = PointerQueue.OffsetOf(pointer);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (seg == _segment && off >= _winStart && off < _winStart + _winLength)
            {
                var span = _buffer.AsSpan((int)(off - _winStart), (int)(_winStart + _winLength - off));
                var status = LogFormat.TryReadFrame(span, out _, out var payload);
                if (status == FrameStatus.Valid)
                {
                    if ((RecordType)payload[0] != RecordType.Put)
                    {
                        problem = "not an event record";
                        return null;
                    }

                    return LogFormat.ReadPut(payload);
                }

                if (status == FrameStatus.Invalid)
                {
                    problem = "checksum mismatch";
                    return null;
                }
            }

            if (!Fill(log, seg, off))
            {
                problem = "data file is gone";
                return null;
            }
        }

        problem = "record extends past the end of its data file";
        return null;
    }

    private bool Fill(DataLog log, int seg, long off)
    {
        var handle = log.ReadHandle(seg);
        if (handle is null)
        {
            return false;
        }

        // Size the window for the frame at off when it is larger than the default.
        Span<byte> head = stackalloc byte[LogFormat.FrameHeaderSize];
        var n = RandomAccess.Read(handle, head, off);
        if (n == LogFormat.FrameHeaderSize)
        {
            var need = LogFormat.FrameHeaderSize + (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(head);
            if (need > _buffer.Length && need <= LogFormat.MaxPayload + LogFormat.FrameHeaderSize)
            {
                _buffer = new byte[need];
            }
            else if (need <= WindowSize && _buffer.Length > WindowSize)
            {
                _buffer = new byte[WindowSize];
            }
        }

        _segment = seg;
        _winStart = off;
        _winLength = LogFormat.ReadAtMost(handle, _buffer, off);
        return true;
    }
}
