using FlumeNet.Sources;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Runtime;

/// <summary>
/// Polls a pollable source: READY → again at once; BACKOFF → sleep min(n × backoffSleepIncrement,
/// maxBackoffSleep); an unexpected failure → ERROR and sleep maxBackoffSleep.
/// </summary>
public sealed class PollableSourceRunner : LoopComponent
{
    private readonly IPollableSource _source;
    private readonly PollableSourceOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public PollableSourceRunner(IPollableSource source, PollableSourceOptions options, ILogger logger, TimeProvider time)
        : base(source.Name)
    {
        _source = source;
        _options = options;
        _logger = logger;
        _time = time;
    }

    public IComponent Source => _source;

    protected override Task OnLoopStartingAsync(CancellationToken cancellationToken) => _source.StartAsync(cancellationToken);

    protected override Task OnLoopStoppedAsync(CancellationToken cancellationToken) => _source.StopAsync(cancellationToken);

    protected override async Task RunAsync(CancellationToken stop)
    {
        ThreadNames.Current = $"PollableSourceRunner-{_source.GetType().Name}-{_source.Name}";
        long consecutive = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var status = await _source.ProcessAsync(stop).ConfigureAwait(false);
                if (status == SourceStatus.Ready)
                {
                    consecutive = 0;
                    continue;
                }

                consecutive++;
                var ms = Math.Min(consecutive * _options.BackoffSleepIncrement, _options.MaxBackoffSleep);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, ms)), _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError("Unhandled exception, logging and sleeping for {Ms}ms: {Message}", _options.MaxBackoffSleep, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, _options.MaxBackoffSleep)), _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
