using FlumeNet.Configuration;

namespace FlumeNet.Core.Tests.Configuration;

/// <summary>A small catalog with the aliases and class names of spec §3.3.</summary>
internal sealed class TestCatalog : IComponentCatalog
{
    private static readonly ComponentDescriptor[] Descriptors =
    [
        new(ComponentKind.Source, "exec", "org.apache.flume.source.ExecSource"),
        new(ComponentKind.Source, "avro", "org.apache.flume.source.AvroSource"),
        new(ComponentKind.Source, "netcat", "org.apache.flume.source.NetcatSource"),
        new(ComponentKind.Source, "seq", "org.apache.flume.source.SequenceGeneratorSource"),
        new(ComponentKind.Source, "taildir", "org.apache.flume.source.taildir.TaildirSource"),
        new(ComponentKind.Channel, "memory", "org.apache.flume.channel.MemoryChannel"),
        new(ComponentKind.Channel, "file", "org.apache.flume.channel.file.FileChannel"),
        new(ComponentKind.Sink, "logger", "org.apache.flume.sink.LoggerSink"),
        new(ComponentKind.Sink, "avro", "org.apache.flume.sink.AvroSink"),
        new(ComponentKind.Sink, "null", "org.apache.flume.sink.NullSink"),
        new(ComponentKind.Sink, "file_roll", "org.apache.flume.sink.RollingFileSink"),
        new(ComponentKind.SinkProcessor, "default", "org.apache.flume.sink.DefaultSinkProcessor"),
        new(ComponentKind.SinkProcessor, "failover", "org.apache.flume.sink.FailoverSinkProcessor"),
        new(ComponentKind.SinkProcessor, "load_balance", "org.apache.flume.sink.LoadBalancingSinkProcessor"),
    ];

    public static TestCatalog Instance { get; } = new();

    public ComponentDescriptor? Find(ComponentKind kind, string type) =>
        Descriptors.FirstOrDefault(d => d.Kind == kind && (d.Alias.Equals(type, StringComparison.OrdinalIgnoreCase) || d.ClassName == type));

    public IEnumerable<ComponentDescriptor> All(ComponentKind kind) => Descriptors.Where(d => d.Kind == kind);
}
