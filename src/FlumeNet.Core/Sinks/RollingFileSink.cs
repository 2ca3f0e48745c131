using System.Buffers;
using System.Globalization;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sinks;

/// <summary>
/// <c>file_roll</c> (<c>org.apache.flume.sink.RollingFileSink</c>): writes events to files in <c>sink.directory</c>,
/// starting a new file every <c>sink.rollInterval</c> seconds (0 = never). Per <see cref="ProcessAsync"/>: take up to
/// <c>sink.batchSize</c> events, serialize them into a pending buffer, write it to the file, fsync, commit. A write
/// that fails (full disk, removed file or directory) rolls the transaction back, truncates the file to where the
/// transaction began and throws one <see cref="EventDeliveryException"/> naming the file; the events stay in the
/// channel and the next call retries. ProcessAsync is single-threaded (sink contract); the roll timer only sets a flag.
/// </summary>
internal sealed class RollingFileSink : SinkBase, IBatchingComponent, IMetered
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<string, Stream> _open;
    private readonly string _directory;
    private readonly long _rollSeconds;
    private readonly FileRollSerializerSpec _serializerSpec;
    private readonly FileRollPathManager _paths;
    private readonly SinkCounter _counters;
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);

    // Owned by the sink thread (ProcessAsync, and stop once the runner has ended).
    private Stream? _file;
    private string? _path;
    private IFileRollSerializer? _serializer;
    private long _fileLength;

    private ITimer? _rollTimer;
    private volatile bool _shouldRotate;

    public RollingFileSink(string name, IChannel channel, ComponentContext ctx, BuildServices services, Func<string, Stream>? open = null)
        : base(name, channel)
    {
        _logger = services.Loggers.CreateLogger("org.apache.flume.sink.RollingFileSink");
        _time = services.Time;
        _open = open ?? OpenFile;
        _directory = ctx.GetRequiredString("sink.directory");
        _rollSeconds = ctx.GetLong("sink.rollInterval", 30);
        BatchSize = ctx.GetInt("sink.batchSize", 100);
        if (BatchSize <= 0)
        {
            ctx.Error("sink.batchSize", $"must be greater than 0 (got {BatchSize})");
        }

        _serializerSpec = FileRollSerializerSpec.FromContext(ctx);
        _paths = FileRollPathManager.FromContext(ctx, _directory, services.Time);
        _counters = services.Metrics.Register(new SinkCounter(name, services.Time));
    }

    public string BatchSizeKey => "sink.batchSize";

    public int BatchSize { get; }

    public CounterGroup Counters => _counters;

    /// <summary>The file being written, or null before the first call and after a roll.</summary>
    internal string? CurrentPath => _path;

    public override ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        if (_shouldRotate)
        {
            _shouldRotate = false;
            if (_file is not null)
            {
                try
                {
                    CloseFile();
                }
                finally
                {
                    _paths.Rotate(); // never reopen (and truncate) a file that held committed events
                }
            }
        }

        if (_file is null)
        {
            OpenCurrent();
        }

        using var tx = Channel.BeginTransaction();
        var status = SinkStatus.Ready;
        var taken = 0;
        var start = _fileLength;
        try
        {
            for (; taken < BatchSize; taken++)
            {
                Event? e;
                try
                {
                    e = tx.Take();
                }
                catch (ChannelException)
                {
                    _counters.AddChannelReadFail();
                    throw;
                }

                if (e is null)
                {
                    status = SinkStatus.Backoff;
                    break;
                }

                _counters.AddEventDrainAttempt();
                _serializer!.Write(e);
            }

            if (taken > 0)
            {
                _serializer!.Flush();
                WritePending(syncToDisk: true);
                if (!File.Exists(_path))
                {
                    throw new IOException("the file was removed");
                }
            }

            tx.Commit();
        }
        catch (Exception ex) when (ex is not ChannelException)
        {
            tx.Rollback();
            _counters.AddEventWriteFail();
            var path = _path;
            Abandon(start);
            throw new EventDeliveryException($"Failed to write {taken} events to {path}: {SinkRunner.Describe(ex)}", ex);
        }
        catch
        {
            tx.Rollback();
            throw;
        }

        _counters.AddEventDrainSuccess(taken);
        return ValueTask.FromResult(status);
    }

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Starting {Sink}...", $"org.apache.flume.sink.RollingFileSink{{name:{Name}, channel:{Channel.Name}}}");
        _counters.Start();
        if (_rollSeconds > 0)
        {
            var every = TimeSpan.FromSeconds(_rollSeconds);
            _rollTimer = _time.CreateTimer(_ => _shouldRotate = true, null, every, every);
        }
        else
        {
            _logger.LogInformation("RollInterval is not valid, file rolling will not happen.");
        }

        _logger.LogInformation("RollingFileSink {Name} started.", Name);
        return Task.CompletedTask;
    }

    protected override Task OnStopAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("RollingFile sink {Name} stopping...", Name);
        _counters.Stop();
        _rollTimer?.Dispose();
        _rollTimer = null;
        if (_file is not null)
        {
            try
            {
                CloseFile();
            }
            catch (EventDeliveryException ex)
            {
                _logger.LogError("Unable to close output stream: {Message}", ex.Message);
            }
        }

        _logger.LogInformation("RollingFile sink {Name} stopped. Event metrics: {Metrics}", Name, _counters);
        return Task.CompletedTask;
    }

    private static Stream OpenFile(string path) =>
        new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);

    private void OpenCurrent()
    {
        var path = _paths.Current;
        try
        {
            _file = _open(path);
            _path = path;
            _fileLength = 0;
            _pending.Clear();
            _serializer = _serializerSpec.Create(_pending);
            WritePending(syncToDisk: false); // a file header (AVRO_EVENT) goes out at once
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _counters.AddConnectionFailed();
            DisposeFile();
            throw new EventDeliveryException($"Failed to open file {path} while delivering event: {ex.Message}", ex);
        }

        _counters.AddConnectionCreated();
    }

    private void WritePending(bool syncToDisk)
    {
        if (_pending.WrittenCount > 0)
        {
            _file!.Write(_pending.WrittenSpan);
            _fileLength += _pending.WrittenCount;
            _pending.Clear();
        }

        if (syncToDisk && _file is FileStream fs)
        {
            fs.Flush(flushToDisk: true);
        }
    }

    private void CloseFile()
    {
        try
        {
            _serializer!.Flush();
            WritePending(syncToDisk: true);
            _counters.AddConnectionClosed();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _counters.AddConnectionFailed();
            throw new EventDeliveryException($"Unable to rotate file {_path} while delivering event: {ex.Message}", ex);
        }
        finally
        {
            DisposeFile();
        }
    }

    /// <summary>
    /// After a failed transaction: forget what it left pending and cut the file back to where it began, so the retry
    /// writes the events once. A file that cannot be cut (or is gone) is closed, and the next call starts a new one.
    /// </summary>
    private void Abandon(long start)
    {
        _pending.Clear();
        _serializer?.Discard();
        try
        {
            if (_file is not null && File.Exists(_path))
            {
                _file.SetLength(start);
                _file.Position = start;
                _fileLength = start;
                return;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            _logger.LogDebug("Could not truncate {Path}: {Message}", _path, ex.Message);
        }

        _counters.AddConnectionClosed();
        DisposeFile();
        _paths.Rotate();
    }

    private void DisposeFile()
    {
        _serializer?.Dispose();
        _serializer = null;
        try
        {
            _file?.Dispose();
        }
        catch (IOException)
        {
            // Disposing a file whose device is full or gone: what mattered has been reported already.
        }

        _file = null;
        _pending.Clear();
    }
}

/// <summary>
/// File names of the <c>file_roll</c> sink (<c>sink.pathManager</c>): DEFAULT <c>&lt;prefix&gt;&lt;T&gt;-&lt;n&gt;[.ext]</c>
/// with T = epoch milliseconds at configuration; ROLLTIME <c>&lt;prefix&gt;yyyyMMddHHmmss-&lt;n&gt;[.ext]</c> in local time,
/// n restarting at 1 when the timestamp text changes. Used by the sink thread only.
/// </summary>
internal sealed class FileRollPathManager
{
    private readonly string _directory;
    private readonly string _prefix;
    private readonly string _extension;
    private readonly bool _rollTime;
    private readonly long _series;
    private readonly TimeProvider _time;
    private string? _lastStamp;
    private int _index;
    private string? _current;

    private FileRollPathManager(string directory, string prefix, string extension, bool rollTime, TimeProvider time)
    {
        _directory = directory;
        _prefix = prefix;
        _extension = extension;
        _rollTime = rollTime;
        _time = time;
        _series = time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>The file to write now (chosen on first use after construction or <see cref="Rotate"/>).</summary>
    public string Current => _current ??= Next();

    public static FileRollPathManager FromContext(ComponentContext ctx, string directory, TimeProvider time)
    {
        var raw = ctx.GetString("sink.pathManager", "DEFAULT")!;
        var type = ComponentContext.JavaTrim(raw);
        var rollTime = type.Equals("ROLLTIME", StringComparison.OrdinalIgnoreCase) || type == "org.apache.flume.formatter.output.RollTimePathManager$Builder";
        if (!rollTime && !type.Equals("DEFAULT", StringComparison.OrdinalIgnoreCase) && type != "org.apache.flume.formatter.output.DefaultPathManager$Builder")
        {
            ctx.Error("sink.pathManager", $"unknown path manager '{raw}' (DEFAULT or ROLLTIME)");
        }

        return new FileRollPathManager(
            directory,
            ctx.GetString("sink.pathManager.prefix", string.Empty)!,
            ctx.GetString("sink.pathManager.extension", string.Empty)!,
            rollTime,
            time);
    }

    public void Rotate() => _current = null;

    private string Next()
    {
        string stamp;
        if (_rollTime)
        {
            stamp = _time.GetLocalNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            if (stamp != _lastStamp)
            {
                _index = 0;
                _lastStamp = stamp;
            }
        }
        else
        {
            stamp = _series.ToString(CultureInfo.InvariantCulture);
        }

        _index++;
        var name = _prefix + stamp + "-" + _index.ToString(CultureInfo.InvariantCulture) + (_extension.Length > 0 ? "." + _extension : string.Empty);
        return Path.Combine(_directory, name);
    }
}
