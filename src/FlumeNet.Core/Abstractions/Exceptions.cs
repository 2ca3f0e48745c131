namespace FlumeNet;

/// <summary>A channel-level failure (transaction too large, interruption, I/O). Flume's ChannelException.</summary>
public class ChannelException : Exception
{
    public ChannelException(string message)
        : base(message)
    {
    }

    public ChannelException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>No room in the channel. Flume's ChannelFullException (a ChannelException).</summary>
public sealed class ChannelFullException : ChannelException
{
    public ChannelFullException(string message)
        : base(message)
    {
    }
}

/// <summary>A sink could not deliver its batch; the batch was rolled back into the channel.</summary>
public sealed class EventDeliveryException : Exception
{
    public EventDeliveryException(string message)
        : base(message)
    {
    }

    public EventDeliveryException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>A component's configuration is invalid; the message names the key.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(string message)
        : base(message)
    {
    }
}
