namespace FlumeNet;

/// <summary>
/// Changes or drops events on their way from a source to its channels. Built per source, in list order.
/// Interceptors are called by one source at a time, but an avro source may call from several connections:
/// implementations must be thread-safe.
/// </summary>
public interface IInterceptor
{
    /// <summary>Returns the event (possibly changed), or null to drop it.</summary>
    Event? Intercept(Event e);
}

/// <summary>Decides which channels an event goes to.</summary>
public interface IChannelSelector
{
    IReadOnlyList<IChannel> AllChannels { get; }

    /// <summary>Channels that must accept the event; a failure is thrown back to the source.</summary>
    IReadOnlyList<IChannel> GetRequiredChannels(Event e);

    /// <summary>Channels that should get the event; a failure is only logged.</summary>
    IReadOnlyList<IChannel> GetOptionalChannels(Event e);
}
