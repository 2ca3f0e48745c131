using System.Text;
using System.Text.RegularExpressions;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using FlumeNet.Sources.Spool;
using FlumeNet.Sources.Taildir;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources;

/// <summary>
/// <c>spooldir</c>: reads complete, immutable files dropped into a directory, line by line (LINE deserializer), one
/// file at a time; when a file is fully committed it is renamed with <c>fileSuffix</c>, deleted, or recorded in
/// <c>trackerDir</c>. The committed offset of the current file is saved after every batch (<see cref="SpoolProgress"/>).
/// A file that breaks the spooling rules (changed after pick-up, a name already completed, undecodable with
/// <c>decodeErrorPolicy = FAIL</c>) is one ERROR naming it and is left alone; the other files go on.
/// <see cref="ProcessAsync"/> runs on the runner's thread only. Differences from Flume: docs/compatibility.md.
/// </summary>
internal sealed partial class SpoolDirectorySource : SourceBase, IPollableSource, IBatchingComponent, IMetered
{
    private readonly ILogger _logger;
    private readonly ILogger _readerLogger;
    private readonly TimeProvider _time;
    private readonly SourceCounter _counter;
    private readonly string _spoolDir;
    private readonly string _suffix;
    private readonly bool _deleteImmediately;
    private readonly bool _trackerDirPolicy;
    private readonly string _trackerDir;
    private readonly Regex _include;
    private readonly Regex _ignore;
    private readonly ConsumeOrder _order;
    private readonly long _pollDelay;
    private readonly bool _recursive;
    private readonly long _maxBackoff;
    private readonly bool _fileHeader;
    private readonly string _fileHeaderKey;
    private readonly bool _basenameHeader;
    private readonly string _basenameHeaderKey;
    private readonly Encoding _input;
    private readonly Encoding _output;
    private readonly bool _utf8Through;
    private readonly int _maxLineLength;
    private readonly List<Event> _batch;
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);
    private Current? _current;
    private long _backoff = 250;

    public SpoolDirectorySource(string name, ChannelProcessor processor, ComponentContext ctx, BuildServices services)
        : base(name, processor)
    {
        _logger = services.Loggers.CreateLogger("org.apache.flume.source.SpoolDirectorySource");
        _readerLogger = services.Loggers.CreateLogger("org.apache.flume.client.avro.ReliableSpoolingFileEventReader");
        _time = services.Time;
        ctx.MarkKnown("type", "channels");

        var dir = ctx.GetRequiredString("spoolDir");
        _spoolDir = dir.Length == 0 ? string.Empty : Path.GetFullPath(ComponentContext.JavaTrim(dir));
        if (dir.Length > 0 && !Directory.Exists(_spoolDir))
        {
            ctx.Error("spoolDir", $"directory {_spoolDir} does not exist");
        }

        _suffix = ctx.GetString("fileSuffix", ".COMPLETED")!;
        _deleteImmediately = Choice(ctx, "deletePolicy", "never", ["never", "immediate"]) == "immediate";
        _trackerDirPolicy = Choice(ctx, "trackingPolicy", "rename", ["rename", "tracker_dir"]) == "tracker_dir";
        var tracker = ComponentContext.JavaTrim(ctx.GetString("trackerDir", ".flumespool")!);
        _trackerDir = Path.IsPathRooted(tracker) ? tracker : Path.Combine(_spoolDir, tracker);
        _include = Pattern(ctx, "includePattern", "^.*$");
        _ignore = Pattern(ctx, "ignorePattern", "^$");
        _order = Choice(ctx, "consumeOrder", "oldest", ["oldest", "youngest", "random"]) switch
        {
            "youngest" => ConsumeOrder.Youngest,
            "random" => ConsumeOrder.Random,
            _ => ConsumeOrder.Oldest,
        };
        _pollDelay = Math.Max(1, ctx.GetLong("pollDelay", 500));
        _recursive = ctx.GetBool("recursiveDirectorySearch", false);
        _maxBackoff = Math.Max(250, ctx.GetLong("maxBackoff", 4000));
        BatchSize = ctx.GetInt("batchSize", 100);
        if (BatchSize < 1)
        {
            ctx.Error("batchSize", $"must be greater than 0 (got {BatchSize})");
        }

        _fileHeader = ctx.GetBool("fileHeader", false);
        _fileHeaderKey = ctx.GetString("fileHeaderKey", "file")!;
        _basenameHeader = ctx.GetBool("basenameHeader", false);
        _basenameHeaderKey = ctx.GetString("basenameHeaderKey", "basename")!;

        var policy = Choice(ctx, "decodeErrorPolicy", "FAIL", ["FAIL", "REPLACE", "IGNORE"]);
        DecoderFallback fallback = policy switch
        {
            "REPLACE" => new DecoderReplacementFallback("\uFFFD"),
            "IGNORE" => new DecoderReplacementFallback(string.Empty),
            _ => DecoderFallback.ExceptionFallback,
        };
        _input = Charset(ctx, "inputCharset", fallback);
        var deserializer = ComponentContext.JavaTrim(ctx.GetString("deserializer", "LINE")!);
        if (!deserializer.Equals("LINE", StringComparison.OrdinalIgnoreCase)
            && deserializer != "org.apache.flume.serialization.LineDeserializer$Builder")
        {
            ctx.Error("deserializer", $"'{deserializer}' is not supported; FlumeNet's spooldir has the LINE deserializer only");
        }

        var dctx = ctx.Sub("deserializer.", name);
        _maxLineLength = dctx.GetInt("maxLineLength", 2048);
        if (_maxLineLength < 1)
        {
            dctx.Error("maxLineLength", $"must be greater than 0 (got {_maxLineLength})");
            _maxLineLength = 2048;
        }

        _output = Charset(dctx, "outputCharset", DecoderFallback.ReplacementFallback);
        _utf8Through = _input is UTF8Encoding && _output is UTF8Encoding && policy != "IGNORE";
        _batch = new List<Event>(Math.Max(1, BatchSize));
        _counter = services.Metrics.Register(new SourceCounter(name, services.Time));
    }

    private enum ConsumeOrder
    {
        Oldest,
        Youngest,
        Random,
    }

    public string BatchSizeKey => "batchSize";

    public int BatchSize { get; }

    public CounterGroup Counters => _counter;

    private string ProgressPath => Path.Combine(_trackerDir, SpoolProgress.FileName);

    public async ValueTask<SourceStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        try
        {
            _current ??= PickNext();
            if (_current is null)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(_pollDelay), _time, cancellationToken).ConfigureAwait(false);
                return SourceStatus.Ready;
            }

            if (!ReadBatch(_current, out var count, out var atEnd))
            {
                _failed.Add(_current.File.Path);
                Drop();
                return SourceStatus.Ready;
            }

            if (_batch.Count > 0 && !Put())
            {
                _logger.LogWarning("The channel is full, and cannot write data now. The source will try again after {Ms} milliseconds", _backoff);
                var wait = _backoff;
                _backoff = Math.Min(_backoff * 2, _maxBackoff);
                await Task.Delay(TimeSpan.FromMilliseconds(wait), _time, cancellationToken).ConfigureAwait(false);
                return SourceStatus.Backoff;
            }

            _backoff = 250;
            _current.File.SetPos(_current.PendingEnd);
            if (atEnd)
            {
                Complete(_current);
            }
            else
            {
                SaveProgress(_current);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _counter.AddEventReadFail();
            var path = _current?.File.Path ?? _spoolDir;
            _logger.LogError("Cannot read {Path}: {Message}; it is skipped, the other files go on", path, ex.Message);
            if (_current is not null)
            {
                _failed.Add(_current.File.Path);
                Drop();
            }

            return SourceStatus.Backoff;
        }

        return SourceStatus.Ready;
    }

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        _counter.Start();
        Directory.CreateDirectory(_trackerDir);
        _logger.LogInformation("SpoolDirectorySource source starting with directory: {Dir}", _spoolDir);
        Resume();
        return Task.CompletedTask;
    }

    protected override Task OnStopAsync(CancellationToken cancellationToken)
    {
        if (_current is not null)
        {
            SaveProgress(_current);
            _current.File.Dispose();
            _current = null;
        }

        _counter.Stop();
        _logger.LogInformation("SpoolDir source {Name} stopped. Metrics: {Metrics}", Name, _counter);
        return Task.CompletedTask;
    }

    private static string Choice(ComponentContext ctx, string key, string def, string[] allowed)
    {
        var v = ComponentContext.JavaTrim(ctx.GetString(key, def)!);
        var match = allowed.FirstOrDefault(a => a.Equals(v, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            ctx.Error(key, $"'{v}' is not one of {string.Join(", ", allowed)}");
            return def;
        }

        return match;
    }

    private static Regex Pattern(ComponentContext ctx, string key, string def)
    {
        var p = ctx.GetString(key, def)!;
        try
        {
            return new Regex(@"\A(?:" + p + @")\z", RegexOptions.CultureInvariant);
        }
        catch (ArgumentException ex)
        {
            ctx.Error(key, $"'{p}' is not a valid regular expression: {ex.Message}");
            return new Regex(@"\A(?:" + def + @")\z", RegexOptions.CultureInvariant);
        }
    }

    private static Encoding Charset(ComponentContext ctx, string key, DecoderFallback fallback)
    {
        var name = ComponentContext.JavaTrim(ctx.GetString(key, "UTF-8")!);
        try
        {
            var enc = Encoding.GetEncoding(name, EncoderFallback.ReplacementFallback, fallback);
            if (!enc.GetBytes("\n").AsSpan().SequenceEqual("\n"u8))
            {
                ctx.Error(key, $"'{name}' is not supported: lines are split on the byte 0x0A, so the charset must encode LF as that one byte (UTF-8, ISO-8859-1, US-ASCII, ...)");
                return Encoding.UTF8;
            }

            return enc;
        }
        catch (ArgumentException)
        {
            ctx.Error(key, $"unknown charset '{name}'");
            return Encoding.UTF8;
        }
    }

    /// <summary>The file being spooled: its reader and what it looked like when it was picked up.</summary>
    private sealed class Current(TailFile file, FileStatus pickedUp)
    {
        public TailFile File { get; } = file;

        public FileStatus PickedUp { get; } = pickedUp;

        /// <summary>Offset after the lines of the batch being put (committed into <see cref="TailFile.Pos"/> on success).</summary>
        public long PendingEnd { get; set; }
    }
}
