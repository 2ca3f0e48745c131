using System.Collections.Concurrent;
using Avro;

namespace FlumeNet.Avro;

/// <summary>What the server knows about a client protocol: which of Flume's messages it can decode.</summary>
internal sealed record RemoteProtocol(bool AppendReadable, bool AppendBatchReadable, string? Problem)
{
    public static readonly RemoteProtocol Own = new(true, true, null);
}

/// <summary>
/// Server-wide map hash → client protocol (spec §5.2), seeded with Flume's own. A foreign text is
/// parsed with Apache.Avro and accepted for a message only when its request and response schemas
/// have the same parsing canonical form as Flume's — then the hand-written decoder reads it as is.
/// Thread-safe; bounded so that a client inventing hashes cannot grow it without limit.
/// </summary>
internal sealed class RemoteProtocols(int capacity)
{
    private static readonly Lazy<(string AppendReq, string AppendResp, string BatchReq, string BatchResp)> OwnForms = new(() =>
    {
        Protocol p = Protocol.Parse(AvroSourceProtocol.Text);
        return (Form(p, AvroSourceProtocol.AppendMessage, true)!, Form(p, AvroSourceProtocol.AppendMessage, false)!,
            Form(p, AvroSourceProtocol.AppendBatchMessage, true)!, Form(p, AvroSourceProtocol.AppendBatchMessage, false)!);
    });

    private readonly ConcurrentDictionary<string, RemoteProtocol> _byHash = new(StringComparer.Ordinal)
    {
        [AvroSourceProtocol.HashHex] = RemoteProtocol.Own,
    };

    public RemoteProtocol? Find(ReadOnlySpan<byte> hash) =>
        _byHash.TryGetValue(Convert.ToHexStringLower(hash), out RemoteProtocol? p) ? p : null;

    /// <summary>Parses and remembers a client's protocol text (never replaces an entry).</summary>
    public RemoteProtocol Add(ReadOnlySpan<byte> hash, string text)
    {
        RemoteProtocol parsed = Analyse(text);
        string key = Convert.ToHexStringLower(hash);
        if (_byHash.Count < capacity)
        {
            return _byHash.GetOrAdd(key, parsed);
        }

        return _byHash.TryGetValue(key, out RemoteProtocol? existing) ? existing : parsed;
    }

    internal static RemoteProtocol Analyse(string text)
    {
        Protocol p;
        try
        {
            p = Protocol.Parse(text);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException) // Apache.Avro throws several types on bad JSON
        {
            throw new AvroProtocolException($"client protocol text cannot be parsed: {ex.Message}", ex);
        }

        var own = OwnForms.Value;
        bool append = Form(p, AvroSourceProtocol.AppendMessage, true) == own.AppendReq
            && Form(p, AvroSourceProtocol.AppendMessage, false) == own.AppendResp;
        bool batch = Form(p, AvroSourceProtocol.AppendBatchMessage, true) == own.BatchReq
            && Form(p, AvroSourceProtocol.AppendBatchMessage, false) == own.BatchResp;
        return new RemoteProtocol(append, batch, append || batch ? null : $"client protocol {p.Namespace}.{p.Name} has no message compatible with Flume's AvroSourceProtocol");
    }

    private static string? Form(Protocol p, string message, bool request)
    {
        if (!p.Messages.TryGetValue(message, out Message? m))
        {
            return null;
        }

        Schema? s = request ? m.Request : m.Response;
        return s is null ? null : SchemaNormalization.ToParsingForm(s);
    }
}
