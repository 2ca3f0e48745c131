using FlumeNet.Runtime;

namespace FlumeNet.Sources;

/// <summary>Lifecycle bookkeeping shared by sources; each source writes only its own start/stop.</summary>
public abstract class SourceBase : IComponent
{
    protected SourceBase(string name, ChannelProcessor processor)
    {
        Name = name;
        Processor = processor;
    }

    public string Name { get; }

    public ChannelProcessor Processor { get; }

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
