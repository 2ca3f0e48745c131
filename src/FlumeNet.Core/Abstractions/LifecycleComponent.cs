namespace FlumeNet;

/// <summary>
/// The lifecycle bookkeeping every component shares: start and stop are idempotent, the state is START
/// only after a start returned normally, and a stop calls <see cref="OnStopAsync"/> only for a started component.
/// </summary>
public abstract class LifecycleComponent : IComponent
{
    protected LifecycleComponent(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public LifecycleState State { get; private set; } = LifecycleState.Idle;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (State == LifecycleState.Start)
        {
            return;
        }

        await OnStartAsync(cancellationToken).ConfigureAwait(false);
        State = LifecycleState.Start;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var wasStarted = State == LifecycleState.Start;
        State = LifecycleState.Stop;
        if (wasStarted)
        {
            await OnStopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    protected abstract Task OnStartAsync(CancellationToken cancellationToken);

    protected abstract Task OnStopAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A component that runs one loop in the background between start and stop (the runners). The loop gets a
/// token that is cancelled at stop; stop waits for it to end before <see cref="OnLoopStoppedAsync"/>.
/// </summary>
public abstract class LoopComponent : LifecycleComponent
{
    private CancellationTokenSource? _stop;
    private Task? _loop;

    protected LoopComponent(string name)
        : base(name)
    {
    }

    protected sealed override async Task OnStartAsync(CancellationToken cancellationToken)
    {
        await OnLoopStartingAsync(cancellationToken).ConfigureAwait(false);
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _loop = Task.Run(() => RunAsync(token), CancellationToken.None);
    }

    protected sealed override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        _stop?.Cancel();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop?.Dispose();
        _stop = null;
        await OnLoopStoppedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled; must not throw.</summary>
    protected abstract Task RunAsync(CancellationToken stop);

    protected abstract Task OnLoopStartingAsync(CancellationToken cancellationToken);

    protected abstract Task OnLoopStoppedAsync(CancellationToken cancellationToken);
}
