using System.Globalization;
using System.Text.RegularExpressions;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Sinks.File;

namespace FlumeNet.Agent;

/// <summary>
/// Flume's log-file layout <c>%d{dd MMM yyyy HH:mm:ss,SSS} %-5p [%t] (%C.%M:%L) %equals{%x}{[]}{} - %m%n</c>:
/// <c>30 Nov 2026 06:15:42,701 INFO  [main] (org.apache.flume.node.Application)  - Starting Channel c1</c>.
/// Our loggers carry Flume's class name but no method or line, so the location is the class name alone (the logger
/// sink's <c>Class.method(File.java:N)</c> location is written <c>Class.method:N</c> as log4j would).
/// </summary>
internal sealed partial class LogFileLayout : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write(logEvent.Timestamp.ToLocalTime().ToString("dd MMM yyyy HH:mm:ss,fff", CultureInfo.InvariantCulture));
        output.Write(' ');
        output.Write(ConsoleLayout.Level(logEvent.Level).PadRight(5));
        output.Write(" [");
        output.Write(ConsoleLayout.Thread(logEvent));
        output.Write("] (");
        output.Write(Location(ConsoleLayout.Category(logEvent)));
        output.Write(")  - ");
        ConsoleLayout.WriteMessage(logEvent, output);
    }

    private static string Location(string category)
    {
        var m = JavaLocation().Match(category);
        return m.Success ? m.Groups[1].Value + ":" + m.Groups[2].Value : category;
    }

    [GeneratedRegex(@"^(.+)\([^()]*:(\d+)\)$")]
    private static partial Regex JavaLocation();
}

/// <summary>
/// Where and how <c>LOGFILE</c> writes: <c>${flume.log.dir}/${flume.log.file}</c> (defaults <c>./logs</c>, <c>flume.log</c>),
/// rolled at <c>flume.log.maxsize</c> bytes (default 100 MB, suffixes KB/MB/GB) and at the first event of a new day,
/// keeping at most <c>flume.log.maxbackups</c> (default 20) old files in <c>archive/</c>, as Flume's log4j2.xml.
/// </summary>
internal sealed record LogFileOptions(string Directory, string FileName, long MaxBytes, int MaxBackups)
{
    public const long DefaultMaxBytes = 100L * 1024 * 1024;
    public const int DefaultMaxBackups = 20;

    public string Path => System.IO.Path.Combine(Directory, FileName);

    public string ArchiveDirectory => System.IO.Path.Combine(Directory, "archive");

    public static LogFileOptions FromSystemProperties(IReadOnlyDictionary<string, string> props, Action<string> warn)
    {
        var dir = props.TryGetValue("flume.log.dir", out var d) && !string.IsNullOrWhiteSpace(d) ? d.Trim() : "./logs";
        var file = props.TryGetValue("flume.log.file", out var f) && !string.IsNullOrWhiteSpace(f) ? f.Trim() : "flume.log";
        var maxBytes = DefaultMaxBytes;
        if (props.TryGetValue("flume.log.maxsize", out var s) && !TryParseSize(s, out maxBytes))
        {
            warn($"flume.log.maxsize: invalid size '{s}' (expected bytes, or a number with KB, MB or GB); using 100MB");
            maxBytes = DefaultMaxBytes;
        }

        var maxBackups = DefaultMaxBackups;
        if (props.TryGetValue("flume.log.maxbackups", out var b)
            && (!int.TryParse(b.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out maxBackups) || maxBackups < 1))
        {
            warn($"flume.log.maxbackups: invalid count '{b}' (expected a number of at least 1); using {DefaultMaxBackups}");
            maxBackups = DefaultMaxBackups;
        }

        return new LogFileOptions(dir, file, maxBytes, maxBackups);
    }

    public static bool TryParseSize(string text, out long bytes)
    {
        var t = text.Trim().ToUpperInvariant().Replace(" ", string.Empty, StringComparison.Ordinal);
        long unit = 1;
        foreach (var (suffix, factor) in new[] { ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("B", 1L) })
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                t = t[..^suffix.Length];
                unit = factor;
                break;
            }
        }

        if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= long.MaxValue / unit)
        {
            bytes = n * unit;
            return true;
        }

        bytes = 0;
        return false;
    }
}

/// <summary>
/// The <c>LOGFILE</c> appender: Serilog's file sink writes the current file, which always has the configured name
/// (operators <c>tail -F logs/flume.log</c>); this class only decides when to roll it, moving it to
/// <c>archive/&lt;file&gt;.yyyyMMdd-N</c> and deleting the oldest archives beyond the limit. Thread-safe (one lock
/// around write and roll; log volume is low).
/// </summary>
internal sealed class RollingLogFile : ILogEventSink, IDisposable
{
    private readonly object _lock = new(); // guards every field: Serilog may emit from any thread
    private readonly LogFileOptions _options;
    private readonly ITextFormatter _layout;
    private Logger? _inner;
    private Stream? _stream;
    private DateOnly _day;
    private bool _failed;

    public RollingLogFile(LogFileOptions options, ITextFormatter layout)
    {
        _options = options;
        _layout = layout;
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            if (_failed)
            {
                return;
            }

            var day = DateOnly.FromDateTime(logEvent.Timestamp.LocalDateTime);
            if (_inner is null)
            {
                Open(day);
            }
            else if (day != _day)
            {
                Roll();
                Open(day);
            }

            _inner?.Write(logEvent);
            if (_stream is not null && _stream.Position >= _options.MaxBytes)
            {
                Roll();
                Open(day);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Close();
        }
    }

    private void Open(DateOnly today)
    {
        try
        {
            // A file left by an earlier run on an earlier day is rolled before today's first line.
            if (File.Exists(_options.Path))
            {
                var written = DateOnly.FromDateTime(File.GetLastWriteTime(_options.Path));
                if (written != today)
                {
                    _day = written;
                    Roll();
                }
            }

            _day = today;
            _inner = new LoggerConfiguration()
                .MinimumLevel.Verbose()
                .WriteTo.File(_layout, _options.Path, fileSizeLimitBytes: null, buffered: false, hooks: new StreamCapture(this))
                .CreateLogger();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _failed = true;
            Console.Error.WriteLine($"Error: log file {_options.Path} cannot be written ({ex.Message}); logging to the file is off");
        }
    }

    private void Close()
    {
        _inner?.Dispose();
        _inner = null;
        _stream = null;
    }

    private void Roll()
    {
        Close();
        try
        {
            if (!File.Exists(_options.Path))
            {
                return;
            }

            Directory.CreateDirectory(_options.ArchiveDirectory);
            var stem = Path.Combine(_options.ArchiveDirectory, _options.FileName + "." + _day.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-");
            var n = 1;
            while (File.Exists(stem + n.ToString(CultureInfo.InvariantCulture)))
            {
                n++;
            }

            File.Move(_options.Path, stem + n.ToString(CultureInfo.InvariantCulture));
            var archives = new DirectoryInfo(_options.ArchiveDirectory).GetFiles(_options.FileName + ".*")
                .OrderByDescending(f => f.LastWriteTimeUtc).ThenByDescending(f => f.Name.Length).ThenByDescending(f => f.Name, StringComparer.Ordinal)
                .ToList();
            foreach (var old in archives.Skip(_options.MaxBackups))
            {
                old.Delete();
            }
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"Error: rolling log file {_options.Path} failed ({ex.Message}); writing on to it");
        }
    }

    /// <summary>Keeps the stream Serilog writes, so the size is known without a stat per line.</summary>
    private sealed class StreamCapture(RollingLogFile owner) : FileLifecycleHooks
    {
        public override Stream OnFileOpened(string path, Stream underlyingStream, System.Text.Encoding encoding)
        {
            owner._stream = underlyingStream;
            return underlyingStream;
        }
    }
}
