using Microsoft.Extensions.Logging;

namespace FlumeNet.Runtime;

/// <summary>
/// Starts components and keeps trying: a component whose start fails is logged once per attempt (one
/// line, no stack trace) and started again 3 s later, until it starts or is unsupervised.
/// </summary>
public sealed class LifecycleSupervisor
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(3);
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<IComponent, (CancellationTokenSource Stop, Task Task)> _supervised = new(ReferenceEqualityComparer.Instance);
    private readonly object _lock = new();

    public LifecycleSupervisor(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    /// <summary>Starts <paramref name="component"/> in the background; the returned task completes at its first successful start.</summary>
    public Task Supervise(IComponent component)
    {
        var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(() => KeepStartedAsync(component, started, cts.Token), CancellationToken.None);
        lock (_lock)
        {
            _supervised[component] = (cts, task);
        }

        return started.Task;
    }

    public async Task UnsuperviseAsync(IComponent component, CancellationToken cancellationToken)
    {
        (CancellationTokenSource Stop, Task Task) entry;
        lock (_lock)
        {
            if (!_supervised.Remove(component, out entry))
            {
                return;
            }
        }

        entry.Stop.Cancel();
        await entry.Task.ConfigureAwait(false);
        _logger.LogInformation("Stopping component: {Component}", component.Name);
        try
        {
            await component.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogError("Error while stopping {Component}: {Message}", component.Name, ex.Message);
        }
    }

    private async Task KeepStartedAsync(IComponent component, TaskCompletionSource started, CancellationToken stop)
    {
        ThreadNames.Current = "lifecycleSupervisor-1-0";
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await component.StartAsync(stop).ConfigureAwait(false);
                started.TrySetResult();
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogError("Unable to start {Component} - {Message}; retrying in 3 s", component.Name, SinkRunner.Describe(ex));
            }

            try
            {
                await Task.Delay(RetryInterval, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        started.TrySetCanceled(CancellationToken.None);
    }
}
