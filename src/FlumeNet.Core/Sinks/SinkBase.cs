namespace FlumeNet.Sinks;

/// <summary>Lifecycle bookkeeping shared by the sinks; each sink writes only what it does.</summary>
public abstract class SinkBase : ISink
{
    protected SinkBase(string name, IChannel channel)
    {
        Name = name;
        Channel = channel;
    }

    public string Name { get; }

    public IChannel Channel { get; }

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
        if (State != LifecycleState.Start)
        {
            State = LifecycleState.Stop;
            return;
        }

        State = LifecycleState.Stop;
        await OnStopAsync(cancellationToken).ConfigureAwait(false);
    }

    public abstract ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken);

    protected virtual Task OnStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual Task OnStopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
