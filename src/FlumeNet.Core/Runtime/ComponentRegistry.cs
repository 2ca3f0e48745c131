using FlumeNet.Channels;
using FlumeNet.Configuration;
using FlumeNet.Interceptors;
using FlumeNet.Selectors;
using FlumeNet.Sinks;
using FlumeNet.Sources;

namespace FlumeNet.Runtime;

public delegate IComponent SourceFactory(string name, ChannelProcessor processor, ComponentContext ctx, BuildServices services);

public delegate IChannel ChannelFactory(string name, ComponentContext ctx, BuildServices services);

public delegate ISink SinkFactory(string name, IChannel channel, ComponentContext ctx, BuildServices services);

public delegate IChannelSelector SelectorFactory(IReadOnlyList<IChannel> channels, ComponentContext ctx);

public delegate IInterceptor InterceptorFactory(ComponentContext ctx, BuildServices services);

/// <summary>One registered component type: its Flume alias, Flume class name and how to build it.</summary>
public sealed record ComponentRegistration(ComponentDescriptor Descriptor, Delegate? Factory);

/// <summary>
/// The one table of every component type FlumeNet knows, by Flume alias and by Flume class name.
/// Adding a component = one line here and one file.
/// </summary>
public sealed class ComponentRegistry : IComponentCatalog
{
    private readonly List<ComponentRegistration> _entries = new();

    public static ComponentRegistry Default { get; } = CreateDefault();

    public IReadOnlyList<ComponentRegistration> Entries => _entries;

    public ComponentRegistry Add(ComponentKind kind, string alias, string className, Delegate? factory)
    {
        _entries.Add(new ComponentRegistration(new ComponentDescriptor(kind, alias, className), factory));
        return this;
    }

    public ComponentDescriptor? Find(ComponentKind kind, string type) => FindRegistration(kind, type)?.Descriptor;

    public IEnumerable<ComponentDescriptor> All(ComponentKind kind) => _entries.Where(e => e.Descriptor.Kind == kind).Select(e => e.Descriptor);

    public ComponentRegistration? FindRegistration(ComponentKind kind, string type)
    {
        var t = ComponentContext.JavaTrim(type);
        return _entries.FirstOrDefault(e => e.Descriptor.Kind == kind && e.Descriptor.Alias.Equals(t, StringComparison.OrdinalIgnoreCase))
            ?? _entries.FirstOrDefault(e => e.Descriptor.Kind == kind && e.Descriptor.ClassName.Equals(t, StringComparison.Ordinal));
    }

    private static ComponentRegistry CreateDefault()
    {
        const string src = "org.apache.flume.source.";
        const string ic = "org.apache.flume.interceptor.";
        return new ComponentRegistry()
            .Add(ComponentKind.Channel, "memory", "org.apache.flume.channel.MemoryChannel", (ChannelFactory)((n, c, s) => new MemoryChannel(n, MemoryChannelOptions.FromContext(c), s.Loggers.CreateLogger("org.apache.flume.channel.MemoryChannel"), s.Metrics, s.Time)))
            .Add(ComponentKind.Source, "exec", src + "ExecSource", (SourceFactory)((n, p, c, s) => new ExecSource(n, p, c, s.Loggers, s.Time, s.Metrics)))
            .Add(ComponentKind.Source, "seq", src + "SequenceGeneratorSource", (SourceFactory)((n, p, c, s) => new SequenceGeneratorSource(n, p, c, s.Loggers, s.Metrics, s.Time)))
            .Add(ComponentKind.Source, "netcat", src + "NetcatSource", (SourceFactory)((n, p, c, s) => new NetcatSource(n, p, c, s.Loggers, s.Metrics, s.Time)))
            .Add(ComponentKind.Source, "avro", src + "AvroSource", (SourceFactory)((n, p, c, s) => new AvroSource(n, p, c, s)))
            .Add(ComponentKind.Sink, "logger", "org.apache.flume.sink.LoggerSink", (SinkFactory)((n, ch, c, s) => new LoggerSink(n, ch, c, s.Loggers, s.Metrics, s.Time)))
            .Add(ComponentKind.Sink, "null", "org.apache.flume.sink.NullSink", (SinkFactory)((n, ch, c, s) => new NullSink(n, ch, c, s.Loggers, s.Metrics, s.Time)))
            .Add(ComponentKind.Sink, "avro", "org.apache.flume.sink.AvroSink", (SinkFactory)((n, ch, c, s) => new AvroSink(n, ch, c, s)))
            .Add(ComponentKind.SinkProcessor, "default", "org.apache.flume.sink.DefaultSinkProcessor", null)
            .Add(ComponentKind.SinkProcessor, "failover", "org.apache.flume.sink.FailoverSinkProcessor", null)
            .Add(ComponentKind.SinkProcessor, "load_balance", "org.apache.flume.sink.LoadBalancingSinkProcessor", null)
            .Add(ComponentKind.ChannelSelector, "replicating", "org.apache.flume.channel.ReplicatingChannelSelector", (SelectorFactory)((ch, c) => new ReplicatingChannelSelector(ch, c)))
            .Add(ComponentKind.ChannelSelector, "multiplexing", "org.apache.flume.channel.MultiplexingChannelSelector", (SelectorFactory)((ch, c) => new MultiplexingChannelSelector(ch, c)))
            .Add(ComponentKind.ChannelSelector, "load_balancing", "org.apache.flume.channel.LoadBalancingChannelSelector", (SelectorFactory)((ch, c) => new LoadBalancingChannelSelector(ch, c)))
            .Add(ComponentKind.Interceptor, "timestamp", ic + "TimestampInterceptor$Builder", (InterceptorFactory)((c, s) => new TimestampInterceptor(c, s.Time)))
            .Add(ComponentKind.Interceptor, "host", ic + "HostInterceptor$Builder", (InterceptorFactory)((c, s) => new HostInterceptor(c)))
            .Add(ComponentKind.Interceptor, "static", ic + "StaticInterceptor$Builder", (InterceptorFactory)((c, s) => new StaticInterceptor(c)));
    }
}
