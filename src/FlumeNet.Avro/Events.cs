namespace FlumeNet.Avro;

/// <summary>
/// A Flume event as the Avro RPC layer sees it: string headers and an opaque body.
/// The runtime's event class implements this; the RPC layer never mutates it.
/// </summary>
public interface IFlumeEvent
{
    /// <summary>Event headers (Avro <c>map&lt;string&gt;</c>).</summary>
    IDictionary<string, string> Headers { get; }

    /// <summary>Event body (Avro <c>bytes</c>).</summary>
    ReadOnlyMemory<byte> Body { get; }

    /// <summary>Number of headers; an implementation that creates its dictionary lazily answers without creating it.</summary>
    int HeaderCount => Headers.Count;
}

/// <summary>
/// Builds the event object for one decoded <c>AvroFlumeEvent</c>. Ownership of
/// <paramref name="headers"/> (null when the event has none) and <paramref name="body"/> passes to the created event.
/// </summary>
public delegate IFlumeEvent FlumeEventFactory(Dictionary<string, string>? headers, byte[] body);

/// <summary>Flume's <c>Status</c> enum (symbol order OK, FAILED, UNKNOWN is the wire index).</summary>
public enum AvroStatus
{
    /// <summary>Events committed to the channel(s).</summary>
    Ok = 0,

    /// <summary>The source could not commit the events (e.g. channel full).</summary>
    Failed = 1,

    /// <summary>Never sent by Flume; kept for completeness.</summary>
    Unknown = 2,
}

/// <summary>Default event used when no <see cref="FlumeEventFactory"/> is configured.</summary>
internal sealed class SimpleFlumeEvent(Dictionary<string, string>? headers, byte[] body) : IFlumeEvent
{
    public IDictionary<string, string> Headers { get; } = headers ?? new Dictionary<string, string>(StringComparer.Ordinal);

    public ReadOnlyMemory<byte> Body { get; } = body;

    public static readonly FlumeEventFactory Factory = static (h, b) => new SimpleFlumeEvent(h, b);
}
