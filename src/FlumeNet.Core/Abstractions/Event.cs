using FlumeNet.Avro;

namespace FlumeNet;

/// <summary>
/// A Flume event: string headers and an opaque body. Instances are handed from one component to the
/// next without copying; once an event is put into a channel nobody mutates it any more.
/// The headers dictionary is created on first use: most events on a busy path have none, and an empty
/// dictionary per event would cost more than the event itself.
/// </summary>
public sealed class Event : IFlumeEvent
{
    private IDictionary<string, string>? _headers;

    public Event(byte[] body)
        : this(null, body)
    {
    }

    public Event(IDictionary<string, string>? headers, byte[] body)
    {
        _headers = headers;
        BodyArray = body;
    }

    /// <summary>Headers; mutable so that interceptors can add to them before the event reaches a channel.</summary>
    public IDictionary<string, string> Headers => _headers ??= new Dictionary<string, string>();

    /// <summary>Number of headers, without creating the dictionary.</summary>
    public int HeaderCount => _headers?.Count ?? 0;

    /// <summary>The headers dictionary if one was given or created, without creating one.</summary>
    internal IDictionary<string, string>? HeadersOrNull => _headers;

    /// <summary>The body as the array it arrived in (never copied).</summary>
    public byte[] BodyArray { get; }

    public ReadOnlyMemory<byte> Body => BodyArray;

    /// <summary>An event factory for the Avro decoder: keeps the decoded dictionary (null: no headers) and array as they are.</summary>
    public static IFlumeEvent FromWire(Dictionary<string, string>? headers, byte[] body) => new Event(headers, body);
}
