using FlumeNet.Runtime;

namespace FlumeNet.Sources;

/// <summary>What the sources share: a name, the channel processor they put through, and the lifecycle.</summary>
public abstract class SourceBase : LifecycleComponent
{
    protected SourceBase(string name, ChannelProcessor processor)
        : base(name)
    {
        Processor = processor;
    }

    public ChannelProcessor Processor { get; }
}
