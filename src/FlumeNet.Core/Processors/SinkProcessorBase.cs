namespace FlumeNet.Processors;

/// <summary>
/// Lifecycle shared by the sink processors: starting the group starts every sink in list order (even
/// sinks the processor will never use, as in Flume), stopping stops them. Start and stop are idempotent.
/// <see cref="ProcessAsync"/> is called by one sink runner at a time (never concurrently).
/// </summary>
internal abstract class SinkProcessorBase : ISinkProcessor
{
    // Written by Start/Stop only; read by anyone (a volatile read is enough for a status property).
    private volatile int _state = (int)LifecycleState.Idle;

    protected SinkProcessorBase(string groupName, IReadOnlyList<ISink> sinks)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        ArgumentNullException.ThrowIfNull(sinks);
        Name = groupName;
        Sinks = sinks.ToArray();
    }

    /// <summary>The sink group's name.</summary>
    public string Name { get; }

    public LifecycleState State => (LifecycleState)_state;

    public IReadOnlyList<ISink> Sinks { get; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (State == LifecycleState.Start)
        {
            return;
        }

        try
        {
            foreach (var sink in Sinks)
            {
                await sink.StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            _state = (int)LifecycleState.Error;
            throw;
        }

        OnStarted();
        _state = (int)LifecycleState.Start;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (State == LifecycleState.Stop || State == LifecycleState.Idle)
        {
            _state = (int)LifecycleState.Stop;
            return;
        }

        OnStopping();
        List<Exception>? errors = null;
        foreach (var sink in Sinks)
        {
            try
            {
                await sink.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Keep stopping the other sinks; report every failure together.
                (errors ??= []).Add(ex);
            }
        }

        _state = (int)LifecycleState.Stop;
        if (errors is not null)
        {
            throw errors.Count == 1 ? errors[0] : new AggregateException(errors);
        }
    }

    public abstract ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken);

    /// <summary>Called after every sink has started.</summary>
    protected virtual void OnStarted()
    {
    }

    /// <summary>Called before the sinks are stopped (cancel background work here).</summary>
    protected virtual void OnStopping()
    {
    }
}
