using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources;

/// <summary>
/// <c>exec</c>: runs a command and turns each line of its standard output into an event.
/// Lines are put in batches of <c>batchSize</c>; a partial batch is put as soon as the command has
/// nothing more to say for the moment (or after <c>batchTimeout</c> ms at the latest), so a trickle of
/// lines is not held back. Unlike Flume, a batch the channel refuses is never dropped: the source waits
/// and puts it again, and the command's output is not read meanwhile.
/// </summary>
internal sealed partial class ExecSource : SourceBase, IEventDrivenSource, IBatchingComponent, IMetered
{
    private readonly ILogger _logger;
    private readonly string _command;
    private readonly string[] _argv;
    private readonly bool _restart;
    private readonly int _restartThrottle;
    private readonly bool _logStdErr;
    private readonly int _batchTimeout;
    private readonly Encoding _charset;
    private readonly TimeProvider _time;
    private CancellationTokenSource? _stop;
    private Task? _loop;
    private Process? _process;

    public ExecSource(string name, ChannelProcessor processor, ComponentContext ctx, ILoggerFactory loggers, TimeProvider time, MetricsRegistry? metrics = null)
        : base(name, processor)
    {
        Counters = new SourceCounter(name, time);
        metrics?.Register(Counters);
        _logger = loggers.CreateLogger("org.apache.flume.source.ExecSource");
        _time = time;
        ctx.MarkKnown("type", "channels");
        _command = ctx.GetRequiredString("command");
        var shell = ctx.GetString("shell");
        _argv = string.IsNullOrWhiteSpace(shell)
            ? SplitWords(_command)
            : [.. SplitWords(shell), _command];
        _restart = ctx.GetBool("restart", false);
        _restartThrottle = ctx.GetInt("restartThrottle", 10000);
        _logStdErr = ctx.GetBool("logStdErr", false);
        BatchSize = ctx.GetInt("batchSize", 20);
        if (BatchSize < 1)
        {
            ctx.Error("batchSize", $"must be at least 1 (got {BatchSize})");
        }

        _batchTimeout = ctx.GetInt("batchTimeout", 3000);
        var charset = ctx.GetString("charset", "UTF-8")!;
        try
        {
            _charset = Encoding.GetEncoding(ComponentContext.JavaTrim(charset), EncoderFallback.ReplacementFallback, DecoderFallback.ReplacementFallback);
        }
        catch (ArgumentException)
        {
            ctx.Error("charset", $"unknown charset '{charset}'");
            _charset = Encoding.UTF8;
        }
    }

    public string BatchSizeKey => "batchSize";

    public int BatchSize { get; }

    /// <summary>EventReceivedCount and EventAcceptedCount as Flume's; ChannelWriteFail per refused batch (ours).</summary>
    public SourceCounter Counters { get; }

    CounterGroup IMetered.Counters => Counters;

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Exec source starting with command: {Command}", _command);
        Counters.Start();
        _stop = new CancellationTokenSource();
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    protected override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Stopping exec source with command: {Command}", _command);
        _stop?.Cancel();
        Terminate(_process);
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _logger.LogWarning("Exec source {Name}: command {Command} did not end within 5 s of the stop", Name, _command);
            }
        }

        Counters.Stop();
    }

    private static string[] SplitWords(string s) => s.Split([' ', '\t', '\n', '\r', '\f'], StringSplitOptions.RemoveEmptyEntries);

    private async Task RunAsync(CancellationToken stop)
    {
        ThreadNames.Current = "pool-exec-" + Name;
        while (!stop.IsCancellationRequested)
        {
            var exit = await RunOnceAsync(stop).ConfigureAwait(false);
            if (stop.IsCancellationRequested)
            {
                break;
            }

            _logger.LogInformation("Command [{Command}] exited with {Code}", _command, exit);
            if (!_restart)
            {
                break;
            }

            _logger.LogInformation("Restarting in {Throttle}ms, exit code {Code}", _restartThrottle, exit);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, _restartThrottle)), _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<int> RunOnceAsync(CancellationToken stop)
    {
        var psi = new ProcessStartInfo(_argv.Length > 0 ? _argv[0] : string.Empty)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            StandardOutputEncoding = _charset,
        };
        foreach (var a in _argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new Win32Exception("process did not start");
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            _logger.LogError("Failed while running command: {Command}: {Message}", _command, ex.Message);
            return -1073741824;
        }

        _process = process;
        var stderr = Task.Run(() => DrainStdErrAsync(process), CancellationToken.None);
        var pending = new List<Event>(BatchSize);
        var lastFlush = _time.GetTimestamp();
        try
        {
            ILineReader reader = _charset is UTF8Encoding
                ? new Utf8LineReader(process.StandardOutput.BaseStream)
                : new DecodingLineReader(process.StandardOutput, _charset);
            while (true)
            {
                var read = reader.ReadLineAsync(stop);
                if (!read.IsCompleted && pending.Count > 0)
                {
                    // The command has nothing more to say right now: put what we have.
                    await FlushAsync(pending, stop).ConfigureAwait(false);
                    lastFlush = _time.GetTimestamp();
                }

                var line = await read.ConfigureAwait(false);
                if (line is null)
                {
                    break;
                }

                pending.Add(new Event(line));

                // A batch waits for more lines only while they arrive without waiting (above), so the clock is read
                // once per 64 lines rather than per line: a line costs less than the clock.
                if (pending.Count >= BatchSize || ((pending.Count & 63) == 0 && _time.GetElapsedTime(lastFlush).TotalMilliseconds >= _batchTimeout))
                {
                    await FlushAsync(pending, stop).ConfigureAwait(false);
                    lastFlush = _time.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException ex)
        {
            _logger.LogWarning("Exec source {Name}: reading the output of {Command} failed: {Message}", Name, _command, ex.Message);
        }

        // Best effort at stop: lines already read are still put (without waiting for a full channel forever).
        if (pending.Count > 0)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(stop.IsCancellationRequested ? 2 : 3600));
            await FlushAsync(pending, grace.Token).ConfigureAwait(false);
        }

        Terminate(process);
        try
        {
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await stderr.ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        var code = process.HasExited ? process.ExitCode : -1;
        process.Dispose();
        _process = null;
        return code;
    }

    /// <summary>Puts the batch, waiting and retrying while the channel refuses it. Clears the batch when put.</summary>
    private async Task FlushAsync(List<Event> pending, CancellationToken stop)
    {
        var delay = 100;
        var warned = false;
        Counters.AddEventReceived(pending.Count);
        while (true)
        {
            try
            {
                Processor.ProcessEventBatch(pending);
                Counters.AddEventAccepted(pending.Count);
                if (warned)
                {
                    _logger.LogInformation("Exec source {Name}: the channel accepts events again; {Count} held lines were put", Name, pending.Count);
                }

                pending.Clear();
                return;
            }
            catch (ChannelException ex)
            {
                Counters.AddChannelWriteFail();
                if (!warned)
                {
                    _logger.LogWarning("Exec source {Name}: the channel refused a batch of {Count} lines ({Message}); holding them and retrying", Name, pending.Count, ex.Message);
                    warned = true;
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delay), _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _logger.LogWarning("Exec source {Name}: stopped with {Count} lines the channel did not accept", Name, pending.Count);
                return;
            }

            delay = Math.Min(delay * 2, 1000);
        }
    }

    private async Task DrainStdErrAsync(Process process)
    {
        try
        {
            var n = 0;
            string? line;
            while ((line = await process.StandardError.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                if (_logStdErr)
                {
                    _logger.LogInformation("StderrLogger[{N}] = '{Line}'", ++n, line);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private static void Terminate(Process? process)
    {
        try
        {
            if (process is { HasExited: false })
            {
                // SIGTERM, as Java's Process.destroy() does, so the command can end cleanly.
                if (Sigterm(process.Id) != 0)
                {
                    process.Kill();
                }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int sig);

    private static int Sigterm(int pid) => Kill(pid, 15);
}
