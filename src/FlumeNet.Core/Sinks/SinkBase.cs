namespace FlumeNet.Sinks;

/// <summary>What the sinks share: a name, a channel and the lifecycle; each sink writes only what it does.</summary>
public abstract class SinkBase : LifecycleComponent, ISink
{
    protected SinkBase(string name, IChannel channel)
        : base(name)
    {
        Channel = channel;
    }

    public IChannel Channel { get; }

    public abstract ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken);

    protected override Task OnStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override Task OnStopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
