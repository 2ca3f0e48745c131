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

    /// <summary>By default starts the sink's counter group, if it has one (resetting it, as Flume does).</summary>
    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        (this as Metrics.IMetered)?.Counters.Start();
        return Task.CompletedTask;
    }

    /// <summary>By default stops the sink's counter group, if it has one.</summary>
    protected override Task OnStopAsync(CancellationToken cancellationToken)
    {
        (this as Metrics.IMetered)?.Counters.Stop();
        return Task.CompletedTask;
    }
}
