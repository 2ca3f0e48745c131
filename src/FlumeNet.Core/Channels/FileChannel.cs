using System.Buffers;
using System.Collections.Concurrent;
using FlumeNet.Channels.File;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Channels;

/// <summary>
/// Flume's <c>file</c> channel: events are appended once to segment files in the data directories and survive a crash
/// of the process; memory holds only a queue of 4-byte pointers (docs/file-channel.md). A commit returns once its
/// records are fsynced (fsyncs shared by concurrent committers). Start replays the log on a background task: the
/// channel is in state IDLE until the replay ends (START) or fails (ERROR: directories locked, unreadable).
/// Thread-safe; transactions follow the memory channel's model (puts visible at commit, takes undone at rollback).
/// </summary>
public sealed class FileChannel : IReconfigurableChannel, ITransactionalCapacity, IChannelBacklog, IMetered
{
    /// <summary>How soon after a take-only commit its records are fsynced (they do not wait for it).</summary>
    internal static readonly TimeSpan LazySyncDelay = TimeSpan.FromMilliseconds(50);

    private readonly object _lock = new();           // queue, in-flight takes, capacity, checkpoint handshake
    private readonly object _checkpointLock = new(); // one checkpoint at a time; open/close
    private readonly object _spaceLock = new();
    private readonly AsyncSignal _eventsArrived = new();
    private readonly ILogger _logger;
    private readonly ChannelCounter _counter;
    private readonly Func<string, long> _freeSpace;
    private readonly ConcurrentBag<SegmentReader> _readers = new();
    private readonly ConcurrentBag<ArrayBufferWriter<byte>> _buffers = new();
    private readonly HashSet<FileTransaction> _takers = new();
    private volatile LifecycleState _state = LifecycleState.Idle;
    private FileChannelOptions _options;
    private FileChannelOptions? _reopenWith;
    private PointerQueue _queue = new();
    private readonly RecentPuts _recent = new(); // guarded by _lock, like _queue
    private DataLog? _log;
    private List<DirectoryLock> _locks = new();
    private Timer? _checkpointTimer;
    private Timer? _fsyncTimer;
    private Timer? _lazySyncTimer;
    private int _lazySyncPending;
    private Task? _opening;
    private string? _startupError;
    private long _inFlight;        // pointers taken by open transactions
    private long _reserved;        // puts of commits in progress
    private long _appendedTx;      // transactions appended to the log (under the log's write lock)
    private long _settledTx;       // of those, applied to the queue or abandoned (under _lock)
    private long _nextTxId = 1;
    private long _freeBytes;
    private long _bytesSinceSpaceCheck;
    private long _spaceCheckedAt;
    private bool _spaceLow;

    public FileChannel(string name, FileChannelOptions options, ILogger logger, ChannelCounter? counter = null, Func<string, long>? freeSpace = null)
    {
        Name = name;
        _options = options;
        _logger = logger;
        _counter = counter ?? new ChannelCounter(name, fileChannel: true);
        _counter.SetChannelCapacity(options.Capacity);
        _freeSpace = freeSpace ?? (dir => new DriveInfo(dir).AvailableFreeSpace);
        foreach (var key in options.IgnoredKeys)
        {
            _logger.LogInformation("File channel {Channel}: {Key} has no effect in FlumeNet's log format; ignored", name, key);
        }
    }

    public string Name { get; }

    public LifecycleState State
    {
        get => _state;
        private set => _state = value;
    }

    public FileChannelOptions Options => _options;

    public ChannelCounter Counters => _counter;

    CounterGroup IMetered.Counters => _counter;

    public int TransactionCapacity => _options.TransactionCapacity;

    public bool IsDurable => true;

    /// <summary>Committed events not yet taken (events taken by open transactions not included).</summary>
    public long Backlog
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Completes when the start (log replay) has finished, successfully or not.</summary>
    public Task Started => _opening ?? Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_checkpointLock)
        {
            if (State == LifecycleState.Start && _reopenWith is { } next)
            {
                // A reload moved the channel to other directories: close these, open those.
                CloseCore();
                _options = next;
                _reopenWith = null;
                State = LifecycleState.Idle;
            }

            if (State == LifecycleState.Start || _opening is { IsCompleted: false })
            {
                return Task.CompletedTask;
            }

            _counter.Start();
            _counter.SetChannelCapacity(_options.Capacity);
            State = LifecycleState.Idle;
            _opening = Task.Run(Open, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var opening = _opening;
        if (opening is not null)
        {
            await opening.ConfigureAwait(false);
        }

        lock (_checkpointLock)
        {
            if (State == LifecycleState.Start)
            {
                _logger.LogInformation("Stopping FileChannel {Channel} {{ dataDirs: [{Dirs}] }}...", Name, string.Join(", ", _options.DataDirs));
                CloseCore();
            }

            State = LifecycleState.Stop;
            _counter.Stop();
        }

        _eventsArrived.Set();
    }

    public bool TryReconfigure(ComponentContext ctx)
    {
        var options = FileChannelOptions.FromContext(ctx);
        if (ctx.HasErrors)
        {
            return false;
        }

        lock (_checkpointLock)
        {
            if (!options.SameStorage(_options))
            {
                _reopenWith = options;
                return true;
            }

            lock (_lock)
            {
                _options = options;
                Monitor.PulseAll(_lock);
            }

            _counter.SetChannelCapacity(options.Capacity);
            if (_log is { } log)
            {
                log.MaxFileSize = options.MaxFileSize;
                StartTimers();
            }
        }

        return true;
    }

    public ITransaction BeginTransaction() => new FileTransaction(this, _options.TransactionCapacity);

    public ValueTask WaitForEventsAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _eventsArrived.WaitUnlessAsync(HasEventsOrStopped, timeout, cancellationToken);

    /// <summary>Writes a checkpoint now and deletes the data files it makes unnecessary (normally done by a timer).</summary>
    public void Checkpoint()
    {
        lock (_checkpointLock)
        {
            if (State == LifecycleState.Start)
            {
                WriteCheckpoint();
            }
        }
    }

    /// <summary>Data files on disk now (for tests and the design note's claims about deletion).</summary>
    internal int[] SegmentIds() => _log?.SegmentIds() ?? Array.Empty<int>();

    private bool HasEventsOrStopped()
    {
        lock (_lock)
        {
            return _queue.Count > 0 || State == LifecycleState.Stop;
        }
    }

    private void Open()
    {
        var o = _options;
        try
        {
            _logger.LogInformation("Starting FileChannel {Channel} {{ dataDirs: [{Dirs}] }}...", Name, string.Join(", ", o.DataDirs));
            var dirs = new[] { o.CheckpointDir }.Concat(o.DataDirs).Concat(o.UseDualCheckpoints && o.BackupCheckpointDir is { } b ? new[] { b } : Array.Empty<string>()).Distinct().ToList();
            var locks = new List<DirectoryLock>();
            try
            {
                foreach (var dir in dirs)
                {
                    Directory.CreateDirectory(dir);
                    locks.Add(DirectoryLock.Acquire(dir));
                }
            }
            catch
            {
                foreach (var l in locks)
                {
                    l.Dispose();
                }

                throw;
            }

            _locks = locks;
            var started = Environment.TickCount64;
            var dataDirs = o.DataDirs.ToArray();
            var segments = DataLog.ListSegments(dataDirs);
            var checkpoint = ReadCheckpoint(o, segments);
            _logger.LogInformation(
                checkpoint is null ? "Replaying {Count} data files of channel {Channel} from the start" : "Replaying {Count} data files of channel {Channel} from the checkpoint",
                segments.Count,
                Name);
            var replay = LogReplay.Run(segments, checkpoint);
            Repair(replay.Damage);
            var log = new DataLog(dataDirs, o.MaxFileSize);
            log.Open(segments.Where(s => System.IO.File.Exists(s.Path)));
            lock (_lock)
            {
                _queue = replay.Queue;
                _nextTxId = replay.NextTxId;
                _inFlight = 0;
                _reserved = 0;
                _appendedTx = 0;
                _settledTx = 0;
                _takers.Clear();
                _log = log;
            }

            _counter.SetChannelSize(replay.Queue.Count);
            _logger.LogInformation(
                "Queue Size after replay: {Size} [channel={Channel}] ({Tx} transactions, {Bytes} bytes replayed in {Ms} ms)",
                replay.Queue.Count,
                Name,
                replay.Transactions,
                replay.BytesRead,
                Environment.TickCount64 - started);
            lock (_checkpointLock)
            {
                State = LifecycleState.Start;
                WriteCheckpoint();
                StartTimers();
            }

            _counter.Open = true;
            _counter.SetClosed(false);
            _counter.SetUnhealthy(false);
            _startupError = null;
            _eventsArrived.Set();
        }
        catch (Exception e)
        {
            // Whatever stopped the start, the channel must end in ERROR: the agent waits for START or ERROR.
            _startupError = e.Message;
            _counter.Open = false;
            _counter.SetUnhealthy(true);
            _counter.SetClosed(true);
            _log?.Dispose();
            _log = null;
            foreach (var l in _locks)
            {
                l.Dispose();
            }

            _locks.Clear();
            State = LifecycleState.Error;
            _logger.LogError("Failed to start the file channel [channel={Channel}]: {Reason}", Name, e.Message);
        }
    }

    private CheckpointData? ReadCheckpoint(FileChannelOptions o, List<SegmentFile> segments)
    {
        var primary = Path.Combine(o.CheckpointDir, File.Checkpoint.FileName);
        var cp = File.Checkpoint.TryRead(primary, segments, out var problem);
        if (cp is not null)
        {
            return cp;
        }

        if (o.UseDualCheckpoints && o.BackupCheckpointDir is { } backupDir)
        {
            var backup = File.Checkpoint.TryRead(Path.Combine(backupDir, File.Checkpoint.FileName), segments, out var backupProblem);
            if (backup is not null)
            {
                _logger.LogWarning("Checkpoint {Path} unusable ({Problem}); using the backup checkpoint [channel={Channel}]", primary, problem, Name);
                return backup;
            }

            problem += "; backup: " + backupProblem;
        }

        if (segments.Count > 0)
        {
            _logger.LogWarning("Checkpoint {Path} unusable ({Problem}); replaying all data files [channel={Channel}]", primary, problem, Name);
        }

        return null;
    }

    /// <summary>Cuts torn tails, copies damaged regions aside, and reports each once.</summary>
    private void Repair(List<LogDamage> damage)
    {
        foreach (var d in damage)
        {
            if (d.Torn)
            {
                _logger.LogWarning("Cut off a torn last record in {File} at offset {Offset} ({Bytes} bytes): the process stopped while writing it [channel={Channel}]", d.Path, d.Offset, d.Length, Name);
                if (d.Offset < LogFormat.HeaderSize)
                {
                    System.IO.File.Delete(d.Path);
                }
                else
                {
                    using var fs = new FileStream(d.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                    fs.SetLength(d.Offset);
                    fs.Flush(flushToDisk: true);
                }

                continue;
            }

            var aside = d.Path + ".damaged-" + d.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
            try
            {
                using var src = new FileStream(d.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var dst = new FileStream(aside, FileMode.Create, FileAccess.Write);
                src.Position = d.Offset;
                var buf = new byte[81920];
                var left = d.Length;
                while (left > 0)
                {
                    var n = src.Read(buf, 0, (int)Math.Min(buf.Length, left));
                    if (n == 0)
                    {
                        break;
                    }

                    dst.Write(buf, 0, n);
                    left -= n;
                }
            }
            catch (IOException e)
            {
                aside = $"(not copied: {e.Message})";
            }

            _counter.AddDamagedLogRegion();
            _logger.LogError("Damaged data in {File} at offset {Offset}, {Bytes} bytes, skipped; copied to {Aside}; the records after it were replayed [channel={Channel}]", d.Path, d.Offset, d.Length, aside, Name);
        }
    }

    private void StartTimers()
    {
        var interval = _options.CheckpointInterval;
        _checkpointTimer ??= new Timer(_ => TimedCheckpoint(), null, Timeout.Infinite, Timeout.Infinite);
        _checkpointTimer.Change(interval, interval);
        if (!_options.FsyncPerTransaction)
        {
            _fsyncTimer ??= new Timer(_ => TimedSync(), null, Timeout.Infinite, Timeout.Infinite);
            _fsyncTimer.Change(_options.FsyncInterval, _options.FsyncInterval);
        }
        else
        {
            _fsyncTimer?.Change(Timeout.Infinite, Timeout.Infinite);
        }
    }

    private void TimedCheckpoint()
    {
        try
        {
            Checkpoint();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _logger.LogError("Checkpoint of channel {Channel} failed: {Reason}", Name, e.Message);
        }
    }

    private void ScheduleLazySync()
    {
        if (Interlocked.Exchange(ref _lazySyncPending, 1) == 0)
        {
            _lazySyncTimer ??= new Timer(_ => { Interlocked.Exchange(ref _lazySyncPending, 0); TimedSync(); }, null, Timeout.Infinite, Timeout.Infinite);
            _lazySyncTimer.Change(LazySyncDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void TimedSync()
    {
        try
        {
            _log?.Sync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _logger.LogError("fsync of the data log of channel {Channel} failed: {Reason}", Name, e.Message);
        }
    }

    /// <summary>Call under <see cref="_checkpointLock"/> with the channel open.</summary>
    private void WriteCheckpoint()
    {
        var log = _log!;
        var o = _options;
        var tmp = Path.Combine(o.CheckpointDir, File.Checkpoint.FileName + ".tmp");
        int keepFrom;
        try
        {
            lock (log.WriteLock)
            {
                var target = Interlocked.Read(ref _appendedTx);
                lock (_lock)
                {
                    // Transactions already in the log must be in the queue too: wait for their fsync and apply.
                    while (_settledTx < target)
                    {
                        Monitor.Wait(_lock, 20);
                    }

                    var (segment, offset) = log.Position;
                    var inFlight = _takers.SelectMany(t => t.Taken).ToList();
                    File.Checkpoint.WriteTemp(tmp, segment, offset, _nextTxId, inFlight, _queue);
                    keepFrom = segment;
                    if (_queue.MinSegment() is { } q)
                    {
                        keepFrom = Math.Min(keepFrom, q);
                    }

                    if (inFlight.Count > 0)
                    {
                        keepFrom = Math.Min(keepFrom, inFlight.Min(PointerQueue.SegmentOf));
                    }
                }
            }

            log.Sync();
            File.Checkpoint.Publish(tmp, Path.Combine(o.CheckpointDir, File.Checkpoint.FileName));
        }
        catch (IOException)
        {
            _counter.AddCheckpointWriteError();
            throw;
        }

        if (o.UseDualCheckpoints && o.BackupCheckpointDir is { } backupDir)
        {
            try
            {
                var backupTmp = Path.Combine(backupDir, File.Checkpoint.FileName + ".tmp");
                System.IO.File.Copy(Path.Combine(o.CheckpointDir, File.Checkpoint.FileName), backupTmp, overwrite: true);
                File.Checkpoint.Publish(backupTmp, Path.Combine(backupDir, File.Checkpoint.FileName));
            }
            catch (IOException e)
            {
                _counter.AddCheckpointBackupWriteError();
                _logger.LogError("Backup checkpoint of channel {Channel} in {Dir} failed: {Reason}", Name, backupDir, e.Message);
            }
        }

        foreach (var path in log.DeleteBelow(keepFrom))
        {
            _logger.LogDebug("Removed data file {File}, all of its events were taken [channel={Channel}]", path, Name);
        }
    }

    /// <summary>Call under <see cref="_checkpointLock"/>.</summary>
    private void CloseCore()
    {
        _checkpointTimer?.Change(Timeout.Infinite, Timeout.Infinite);
        _fsyncTimer?.Change(Timeout.Infinite, Timeout.Infinite);
        _lazySyncTimer?.Change(Timeout.Infinite, Timeout.Infinite);
        if (_log is { } log)
        {
            try
            {
                if (_options.CheckpointOnClose)
                {
                    WriteCheckpoint();
                }
                else
                {
                    log.Sync();
                }
            }
            catch (IOException e)
            {
                _logger.LogError("Checkpoint at close of channel {Channel} failed: {Reason}", Name, e.Message);
            }

            log.Dispose();
        }

        lock (_lock)
        {
            _log = null;
        }

        foreach (var l in _locks)
        {
            l.Dispose();
        }

        _locks.Clear();
        _counter.Open = false;
        _counter.SetClosed(true);
    }

    private DataLog OpenLog()
    {
        var log = _log;
        if (log is null)
        {
            throw new ChannelException(_startupError is null ? $"Channel closed [channel={Name}]" : $"Channel closed [channel={Name}]. Due to {_startupError}");
        }

        return log;
    }

    /// <summary>The next pointer, and the event put there when it is still held in memory (else it is read back).</summary>
    private long? TakePointer(FileTransaction tx, out Event? recent)
    {
        recent = null;
        lock (_lock)
        {
            if (_log is null)
            {
                OpenLog();
            }

            if (!_queue.TryTakeFirst(out var p))
            {
                return null;
            }

            recent = _recent.TryTake(p);

            _inFlight++;
            if (tx.Taken.Count == 0)
            {
                _takers.Add(tx);
            }

            tx.Taken.Add(p);
            return p;
        }
    }

    private Event? ReadTaken(FileTransaction tx, long pointer)
    {
        var log = OpenLog();
        tx.Reader ??= _readers.TryTake(out var r) ? r : new SegmentReader();
        var e = tx.Reader.Read(log, pointer, out var problem);
        if (e is not null)
        {
            return e;
        }

        lock (_lock)
        {
            tx.Taken.RemoveAt(tx.Taken.Count - 1);
            _inFlight--;
        }

        _counter.AddEventTakeError();
        _logger.LogError("Damaged event record in {File} at offset {Offset} ({Problem}); it is skipped [channel={Channel}]", log.PathOf(PointerQueue.SegmentOf(pointer)) ?? LogFormat.SegmentFileName(PointerQueue.SegmentOf(pointer)), PointerQueue.OffsetOf(pointer), problem, Name);
        return null;
    }

    private void CheckSpace(long bytes)
    {
        var o = _options;
        lock (_spaceLock)
        {
            var now = Environment.TickCount64;
            if (_spaceLow || _spaceCheckedAt == 0 || now - _spaceCheckedAt >= (long)o.SpaceCheckInterval.TotalMilliseconds)
            {
                _freeBytes = o.DataDirs.Append(o.CheckpointDir).Min(_freeSpace);
                _spaceCheckedAt = now;
                _bytesSinceSpaceCheck = 0;
            }

            var left = _freeBytes - _bytesSinceSpaceCheck - bytes;
            if (left < o.MinimumRequiredSpace)
            {
                _spaceLow = true;
                throw new ChannelFullException($"Usable space exhausted, only {Math.Max(0, _freeBytes - _bytesSinceSpaceCheck)} bytes remaining, required {o.MinimumRequiredSpace} bytes [channel={Name}]");
            }

            _spaceLow = false;
            _bytesSinceSpaceCheck += bytes;
        }
    }

    private void CommitCore(FileTransaction tx)
    {
        var puts = tx.Puts;
        var takes = tx.Taken.Count;
        var putCount = puts?.Count ?? 0;
        CountAttempts(tx);
        if (putCount == 0 && takes == 0)
        {
            return;
        }

        var log = OpenLog();
        if (putCount > 0)
        {
            ReserveCapacity(putCount, takes);
        }

        var buffer = _buffers.TryTake(out var b) ? b : new ArrayBufferWriter<byte>(64 * 1024);
        var appended = false;
        try
        {
            var offsets = putCount > 0 ? ArrayPool<int>.Shared.Rent(putCount) : null;
            try
            {
                for (var i = 0; i < putCount; i++)
                {
                    offsets![i] = LogFormat.WritePut(buffer, puts![i]);
                }

                foreach (var p in tx.Taken)
                {
                    LogFormat.WriteTake(buffer, p);
                }

                var txId = Interlocked.Increment(ref _nextTxId) - 1;
                LogFormat.WriteCommit(buffer, txId, putCount + takes);
                if (putCount > 0)
                {
                    CheckSpace(buffer.WrittenCount);
                }

                long sequence;
                int segment, baseOffset;
                lock (log.WriteLock)
                {
                    sequence = log.Append(buffer.WrittenSpan, out segment, out baseOffset);
                    _appendedTx++;
                    appended = true;
                }

                if (_options.FsyncPerTransaction)
                {
                    if (putCount > 0)
                    {
                        log.WaitDurable(sequence);
                    }
                    else
                    {
                        // A take-only commit: losing its records to a power cut redelivers events, it never loses
                        // any, so it does not wait; a sync follows within LazySyncDelay (or with the next put).
                        ScheduleLazySync();
                    }
                }

                lock (_lock)
                {
                    for (var i = 0; i < putCount; i++)
                    {
                        var pointer = PointerQueue.Pack(segment, baseOffset + offsets![i]);
                        _queue.AddLast(pointer);
                        _recent.Add(pointer, puts![i]);
                    }

                    _reserved -= putCount;
                    _inFlight -= takes;
                    tx.Taken.Clear();
                    _takers.Remove(tx);
                    _settledTx++;
                    appended = false;
                    Monitor.PulseAll(_lock);
                    _counter.SetChannelSize(_queue.Count);
                }
            }
            finally
            {
                if (offsets is not null)
                {
                    ArrayPool<int>.Shared.Return(offsets);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ChannelException or ObjectDisposedException)
        {
            lock (_lock)
            {
                _reserved -= putCount;
                if (appended)
                {
                    _settledTx++;
                }

                Monitor.PulseAll(_lock);
            }

            if (putCount > 0 && e is not ChannelFullException)
            {
                _counter.AddEventPutError(putCount);
            }

            if (takes > 0 && e is not ChannelFullException)
            {
                _counter.AddEventTakeError(takes);
            }

            if (e is ChannelException)
            {
                throw;
            }

            throw new ChannelException($"Failed to write to the data log [channel={Name}]: {e.Message}", e);
        }
        finally
        {
            buffer.ResetWrittenCount();
            if (buffer.Capacity <= 4 << 20)
            {
                _buffers.Add(buffer);
            }
        }

        _counter.AddEventPutSuccess(putCount);
        _counter.AddEventTakeSuccess(takes);
        if (putCount > 0)
        {
            _eventsArrived.Set();
        }
    }

    private void ReserveCapacity(int puts, int takes)
    {
        lock (_lock)
        {
            var need = puts - takes;
            var deadline = Environment.TickCount64 + (long)_options.KeepAlive.TotalMilliseconds;
            while (_queue.Count + _inFlight + _reserved + need > _options.Capacity)
            {
                var left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_lock, TimeSpan.FromMilliseconds(left)))
                {
                    if (_queue.Count + _inFlight + _reserved + need <= _options.Capacity)
                    {
                        break;
                    }

                    throw new ChannelFullException($"The channel has reached it's capacity. This might be the result of a sink on the channel having too low of batch size, a downstream system running slower than normal, or that the channel capacity is just too low. [channel={Name}]");
                }
            }

            _reserved += puts;
        }
    }

    private void CountAttempts(FileTransaction tx)
    {
        if (tx.Puts is { Count: > 0 } puts)
        {
            _counter.AddEventPutAttempt(puts.Count);
        }

        if (tx.TakeAttempts > 0)
        {
            _counter.AddEventTakeAttempt(tx.TakeAttempts);
            tx.TakeAttempts = 0;
        }
    }

    private void RollbackCore(FileTransaction tx)
    {
        CountAttempts(tx);
        if (tx.Taken.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            for (var i = tx.Taken.Count - 1; i >= 0; i--)
            {
                _queue.AddFirst(tx.Taken[i]);
            }

            _inFlight -= tx.Taken.Count;
            tx.Taken.Clear();
            _takers.Remove(tx);
            Monitor.PulseAll(_lock);
        }

        _eventsArrived.Set();
    }

    private void Release(FileTransaction tx)
    {
        if (tx.Reader is { } r)
        {
            tx.Reader = null;
            _readers.Add(r);
        }
    }

    private sealed class FileTransaction : BasicTransaction
    {
        private readonly FileChannel _channel;
        private readonly int _capacity;

        public FileTransaction(FileChannel channel, int capacity)
        {
            _channel = channel;
            _capacity = capacity;
        }

        public List<Event>? Puts { get; private set; }

        /// <summary>Pointers taken; changed only under the channel's lock (a checkpoint reads them).</summary>
        public List<long> Taken { get; } = new();

        public SegmentReader? Reader { get; set; }

        /// <summary>Take calls since the last commit or rollback (counted in the metrics per transaction).</summary>
        public int TakeAttempts { get; set; }

        protected override void DoPut(Event e)
        {
            _channel.OpenLog();
            Puts ??= new List<Event>(Math.Min(_capacity, 1024));
            if (Puts.Count == _capacity)
            {
                throw new ChannelException($"Put queue for FileBackedTransaction of capacity {_capacity} full, consider committing more frequently, increasing capacity or increasing thread count. [channel={_channel.Name}]");
            }

            Puts.Add(e);
        }

        protected override Event? DoTake()
        {
            if (Taken.Count == _capacity)
            {
                throw new ChannelException($"Take list for FileBackedTransaction, capacity {_capacity} full, consider committing more frequently, increasing capacity, or increasing thread count. [channel={_channel.Name}]");
            }

            TakeAttempts++;
            while (true)
            {
                var p = _channel.TakePointer(this, out var recent);
                if (p is null)
                {
                    return null;
                }

                var e = recent ?? _channel.ReadTaken(this, p.Value);
                if (e is not null)
                {
                    return e;
                }
            }
        }

        protected override void DoCommit()
        {
            _channel.CommitCore(this);
            Puts?.Clear();
        }

        protected override void DoRollback()
        {
            _channel.RollbackCore(this);
            Puts?.Clear();
        }

        protected override void DoClose() => _channel.Release(this);
    }
}
