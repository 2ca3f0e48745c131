using Microsoft.Extensions.Logging;

namespace FlumeNet.Runtime;

/// <summary>
/// Drives one sink processor on its own loop. READY → call again at once; BACKOFF → wait up to
/// min(n × 1 s, 5 s) for the channel to receive events (woken as soon as it does, unlike Flume, which
/// sleeps the whole time); a failure → one ERROR line (no stack trace) and a pause of at most 5 s, cut
/// short when the processor has a parked sink due earlier.
/// </summary>
public sealed class SinkRunner : LoopComponent
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private readonly ISinkProcessor _processor;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _threadName;

    public SinkRunner(string name, ISinkProcessor processor, string processorClassName, ILogger logger, TimeProvider time)
        : base(name)
    {
        _processor = processor;
        _logger = logger;
        _time = time;
        _threadName = "SinkRunner-PollingRunner-" + processorClassName;
    }

    public ISinkProcessor Processor => _processor;

    protected override Task OnLoopStartingAsync(CancellationToken cancellationToken) => _processor.StartAsync(cancellationToken);

    protected override Task OnLoopStoppedAsync(CancellationToken cancellationToken) => _processor.StopAsync(cancellationToken);

    protected override async Task RunAsync(CancellationToken stop)
    {
        ThreadNames.Current = _threadName;
        var consecutive = 0;
        var channels = _processor.Sinks.Select(s => s.Channel).Distinct().ToArray();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var status = await _processor.ProcessAsync(stop).ConfigureAwait(false);
                if (status == SinkStatus.Ready)
                {
                    consecutive = 0;
                    continue;
                }

                consecutive++;
                var wait = TimeSpan.FromMilliseconds(Math.Min(consecutive * 1000L, (long)MaxBackoff.TotalMilliseconds));
                await WaitForWorkAsync(channels, Cap(wait), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError("Unable to deliver event: {Message}", Describe(ex));
                try
                {
                    await Task.Delay(Cap(MaxBackoff), _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>An exception and its causes on one line: "a: b: c".</summary>
    public static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (parts.Count == 0 || !parts[^1].Contains(e.Message, StringComparison.OrdinalIgnoreCase))
            {
                parts.Add(e.Message);
            }
        }

        return string.Join(": ", parts);
    }

    private TimeSpan Cap(TimeSpan wait)
    {
        if (_processor is IRetryHint { TimeUntilNextRetry: { } due })
        {
            // Wake just after the retry is due rather than just before it.
            due += TimeSpan.FromMilliseconds(15);
            return due < wait ? due : wait;
        }

        return wait;
    }

    private async Task WaitForWorkAsync(IChannel[] channels, TimeSpan wait, CancellationToken stop)
    {
        if (channels.Length == 1)
        {
            await channels[0].WaitForEventsAsync(wait, stop).ConfigureAwait(false);
            return;
        }

        var tasks = channels.Select(c => c.WaitForEventsAsync(wait, stop).AsTask()).ToArray();
        await Task.WhenAny(tasks).ConfigureAwait(false);
    }
}
