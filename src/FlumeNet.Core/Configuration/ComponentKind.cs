namespace FlumeNet.Configuration;

public enum ComponentKind
{
    Source,
    Channel,
    Sink,
    SinkProcessor,
    ChannelSelector,
    Interceptor,
}
