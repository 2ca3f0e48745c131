using FlumeNet.Sources;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Runtime;

/// <summary>
/// Polls a pollable source: READY → again at once; BACKOFF → sleep min(n × backoffSleepIncrement,
/// maxBackoffSleep); an unexpected failure → ERROR and sleep maxBackoffSleep.
/// </summary>
public sealed class PollableSourceRunner : IComponent
{
    private readonly IPollableSource _source;
    private readonly PollableSourceOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private CancellationTokenSource? _stop;
    private Task? _loop;

    public PollableSourceRunner(IPollableSource source, PollableSourceOptions options, ILogger logger, TimeProvider time)
    {
        _source = source;
        _options = options;
        _logger = logger;
        _time = time;
    }

    public string Name => _source.Name;

    public IComponent Source => _source;

    public LifecycleState State { get; private set; } = LifecycleState.Idle;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (State == LifecycleState.Start)
        {
            return;
        }

        await _source.StartAsync(cancellationToken).ConfigureAwait(false);
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _loop = Task.Run(() => RunAsync(token), CancellationToken.None);
        State = LifecycleState.Start;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (State != LifecycleState.Start)
        {
            State = LifecycleState.Stop;
            return;
        }

        State = LifecycleState.Stop;
        _stop?.Cancel();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        await _source.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken stop)
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
