using FlumeNet.Avro;

namespace FlumeNet;

/// <summary>
/// A Flume event: string headers and an opaque body. Instances are handed from one component to the
/// next without copying; once an event is put into a channel nobody mutates it any more.
/// </summary>
public sealed class Event : IFlumeEvent
{
    public Event(byte[] body)
        : this(null, body)
    {
    }

    public Event(IDictionary<string, string>? headers, byte[] body)
    {
        Headers = headers ?? new Dictionary<string, string>();
        BodyArray = body;
    }

    /// <summary>Headers; mutable so that interceptors can add to them before the event reaches a channel.</summary>
    public IDictionary<string, string> Headers { get; }

    /// <summary>The body as the array it arrived in (never copied).</summary>
    public byte[] BodyArray { get; }

    public ReadOnlyMemory<byte> Body => BodyArray;

    /// <summary>An event factory for the Avro decoder: keeps the decoded dictionary and array as they are.</summary>
    public static IFlumeEvent FromWire(Dictionary<string, string> headers, byte[] body) => new Event(headers, body);
}
