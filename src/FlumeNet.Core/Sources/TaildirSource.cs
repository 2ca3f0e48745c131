using System.Globalization;
using System.Text.RegularExpressions;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using FlumeNet.Sources.Taildir;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources;

/// <summary>
/// <c>TAILDIR</c>: follows the files of one or more groups (a directory plus a regular expression on the file name) and
/// turns each complete line into an event. Files are followed by device and inode, so a renamed file keeps its
/// position whatever its new name; positions are saved in Flume's position-file format after every committed batch.
/// <see cref="ProcessAsync"/> runs on the runner's thread only; all state below belongs to it. Differences from Flume:
/// docs/compatibility.md, section TAILDIR.
/// </summary>
internal sealed partial class TaildirSource : SourceBase, IPollableSource, IBatchingComponent, IMetered
{
    private readonly ILogger _logger;
    private readonly ILogger _readerLogger;
    private readonly TimeProvider _time;
    private readonly SourceCounter _counter;
    private readonly List<FileGroup> _groups = new();
    private readonly Dictionary<FileId, TailFile> _files = new();
    private readonly List<Event> _batch;
    private readonly string _positionFile;
    private readonly bool _skipToEnd;
    private readonly long _idleTimeout;
    private readonly long _writePosInterval;
    private readonly long _maxBatchCount;
    private readonly long _maxBackoffSleep;
    private readonly long _pollInterval;
    private readonly bool _byteOffsetHeader;
    private readonly bool _fileHeader;
    private readonly string _fileHeaderKey;
    private readonly bool _cachePatternMatching;
    private volatile string? _lastWritten;
    private Task _positionWrite = Task.CompletedTask;
    private long _lastWriteTicks;
    private long _retryMs = 1000;
    private bool _retrying;

    public TaildirSource(string name, ChannelProcessor processor, ComponentContext ctx, BuildServices services)
        : base(name, processor)
    {
        _logger = services.Loggers.CreateLogger("org.apache.flume.source.taildir.TaildirSource");
        _readerLogger = services.Loggers.CreateLogger("org.apache.flume.source.taildir.ReliableTaildirEventReader");
        _time = services.Time;
        ctx.MarkKnown("type", "channels");

        ParseGroups(ctx);
        var home = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        _positionFile = Path.GetFullPath(ctx.GetString("positionFile") is { } pf && pf.Trim().Length > 0
            ? ExpandHome(ComponentContext.JavaTrim(pf), home)
            : Path.Combine(home, ".flume", "taildir_position.json"));
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_positionFile)!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ctx.Error("positionFile", $"cannot create the directory of {_positionFile}: {ex.Message}");
        }

        BatchSize = ctx.GetInt("batchSize", 100);
        if (BatchSize < 1)
        {
            ctx.Error("batchSize", $"must be greater than 0 (got {BatchSize})");
        }

        _maxBatchCount = ctx.GetLongOrDefault("maxBatchCount", long.MaxValue);
        if (_maxBatchCount <= 0)
        {
            ctx.Warn("maxBatchCount", $"must be greater than 0 (got {_maxBatchCount}); using the default {long.MaxValue}");
            _maxBatchCount = long.MaxValue;
        }

        _skipToEnd = ctx.GetBool("skipToEnd", false);
        _idleTimeout = Positive(ctx, "idleTimeout", 120000);
        _writePosInterval = Positive(ctx, "writePosInterval", 3000);
        _pollInterval = Positive(ctx, "pollInterval", 1000);
        _byteOffsetHeader = ctx.GetBool("byteOffsetHeader", false);
        _fileHeader = ctx.GetBool("fileHeader", false);
        _fileHeaderKey = ctx.GetString("fileHeaderKey", "file")!;
        _cachePatternMatching = ctx.GetBool("cachePatternMatching", true);
        PollOptions = PollableSourceOptions.FromContext(ctx);
        _maxBackoffSleep = Math.Max(1000, PollOptions.MaxBackoffSleep);
        _batch = new List<Event>(Math.Max(1, BatchSize));
        _counter = services.Metrics.Register(new SourceCounter(name, services.Time));
    }

    public string BatchSizeKey => "batchSize";

    public int BatchSize { get; }

    public PollableSourceOptions PollOptions { get; }

    public CounterGroup Counters => _counter;

    public async ValueTask<SourceStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        bool progressed, cutShort = false;
        try
        {
            Refresh(initial: false);
            progressed = false;
            foreach (var f in _files.Values.OrderBy(f => f.Group).ThenBy(f => f.LastModified).ToList())
            {
                var outcome = TailOne(f, ref cutShort);
                if (outcome == TailOutcome.ChannelFailed)
                {
                    return await BackOffAfterChannelFailureAsync(cancellationToken).ConfigureAwait(false);
                }

                progressed |= outcome == TailOutcome.Progressed;
            }

            if (_time.GetTimestamp() - _lastWriteTicks >= _writePosInterval * _time.TimestampFrequency / 1000)
            {
                WritePositions();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _counter.AddEventReadFail();
            _logger.LogError("Unable to tail files: {Message}", ex.Message);
            return SourceStatus.Backoff;
        }

        if (!progressed && !cutShort)
        {
            // Nothing new anywhere: look again after pollInterval (files grow, appear, or are renamed meanwhile).
            WaitForPositionWrite();
            await Task.Delay(TimeSpan.FromMilliseconds(_pollInterval), _time, cancellationToken).ConfigureAwait(false);
        }

        return SourceStatus.Ready;
    }

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        _counter.Start();
        foreach (var f in _files.Values)
        {
            f.Dispose();
        }

        _files.Clear();
        _lastWritten = null;
        Refresh(initial: true);
        LoadPositions();
        WritePositions();
        _logger.LogInformation("{Name} TaildirSource source starting with directory: {Groups}", Name, string.Join(", ", _groups.Select(g => g.Directory + "/" + g.Pattern)));
        return Task.CompletedTask;
    }

    protected override Task OnStopAsync(CancellationToken cancellationToken)
    {
        WritePositions();
        foreach (var f in _files.Values)
        {
            f.Dispose();
        }

        _files.Clear();
        _counter.Stop();
        _logger.LogInformation("Taildir source {Name} stopped. Metrics: {Metrics}", Name, _counter);
        return Task.CompletedTask;
    }

    private static long Positive(ComponentContext ctx, string key, long def)
    {
        var v = ctx.GetLong(key, def);
        if (v <= 0)
        {
            ctx.Error(key, $"must be greater than 0 (got {v})");
            return def;
        }

        return v;
    }

    private static string ExpandHome(string path, string home) =>
        path == "~" ? home : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;

    private void ParseGroups(ComponentContext ctx)
    {
        var names = ctx.GetRequiredString("filegroups").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var headers = ctx.GetSubProperties("headers.");
        ctx.GetSubProperties("filegroups.");
        foreach (var g in names)
        {
            var path = ctx.GetString("filegroups." + g);
            if (string.IsNullOrWhiteSpace(path))
            {
                ctx.Warn("filegroups." + g, $"file group {g} has no path; it is ignored");
                continue;
            }

            path = ComponentContext.JavaTrim(path);
            var dir = Path.GetDirectoryName(path);
            var pattern = Path.GetFileName(path);
            if (!Path.IsPathRooted(path) || string.IsNullOrEmpty(dir) || pattern.Length == 0)
            {
                ctx.Error("filegroups." + g, $"'{path}' is not an absolute path ending in a file-name pattern");
                continue;
            }

            if (!Directory.Exists(dir))
            {
                ctx.Error("filegroups." + g, $"directory {dir} does not exist");
                continue;
            }

            Regex regex;
            try
            {
                regex = new Regex(@"\A(?:" + pattern + @")\z", RegexOptions.CultureInvariant);
            }
            catch (ArgumentException ex)
            {
                ctx.Error("filegroups." + g, $"'{pattern}' is not a valid regular expression: {ex.Message}");
                continue;
            }

            var groupHeaders = headers.Where(h => h.Key.StartsWith(g + ".", StringComparison.Ordinal))
                .ToDictionary(h => h.Key[(g.Length + 1)..], h => h.Value, StringComparer.Ordinal);
            _groups.Add(new FileGroup(g, dir, pattern, regex, groupHeaders));
        }

        if (_groups.Count == 0 && !ctx.HasErrors)
        {
            ctx.Error("filegroups", "no file group has a valid path");
        }
    }

    private long NowMs => (long)_time.GetElapsedTime(0).TotalMilliseconds;

    /// <summary>One file group: the literal directory, the file-name pattern and the headers its events get.</summary>
    private sealed class FileGroup(string name, string directory, string pattern, Regex regex, Dictionary<string, string> headers)
    {
        public string Name { get; } = name;

        public string Directory { get; } = directory;

        public string Pattern { get; } = pattern;

        public Regex Regex { get; } = regex;

        public Dictionary<string, string> Headers { get; } = headers;

        /// <summary>Directory mtime at the last listing and what that listing found (cachePatternMatching).</summary>
        public long ListedMtime { get; set; } = long.MinValue;

        public long ListedAt { get; set; }

        public List<string> Listed { get; set; } = new();
    }

    private enum TailOutcome
    {
        Nothing,
        Progressed,
        ChannelFailed,
    }
}
