using System.Collections.Concurrent;
using System.Text.Json;

namespace FlumeNet.Avro;

/// <summary>What the server knows about a client protocol: which of Flume's messages it can decode.</summary>
internal sealed record RemoteProtocol(bool AppendReadable, bool AppendBatchReadable, string? Problem)
{
    public static readonly RemoteProtocol Own = new(true, true, null);
}

/// <summary>
/// Server-wide map hash → client protocol (spec §5.2), seeded with Flume's own. A foreign text is
/// parsed (<see cref="ProtocolForms"/>) and accepted for a message only when its request and response schemas
/// have the same parsing canonical form as Flume's — then the hand-written decoder reads it as is.
/// Thread-safe; bounded so that a client inventing hashes cannot grow it without limit.
/// </summary>
internal sealed class RemoteProtocols(int capacity)
{
    private static readonly Lazy<(string AppendReq, string AppendResp, string BatchReq, string BatchResp)> OwnForms = new(() =>
    {
        ProtocolForms p = ProtocolForms.Parse(AvroSourceProtocol.Text);
        return (p.RequestForm(AvroSourceProtocol.AppendMessage)!, p.ResponseForm(AvroSourceProtocol.AppendMessage)!,
            p.RequestForm(AvroSourceProtocol.AppendBatchMessage)!, p.ResponseForm(AvroSourceProtocol.AppendBatchMessage)!);
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
        ProtocolForms p;
        try
        {
            p = ProtocolForms.Parse(text);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            throw new AvroProtocolException($"client protocol text cannot be parsed: {ex.Message}", ex);
        }

        var own = OwnForms.Value;
        bool append = p.RequestForm(AvroSourceProtocol.AppendMessage) == own.AppendReq
            && p.ResponseForm(AvroSourceProtocol.AppendMessage) == own.AppendResp;
        bool batch = p.RequestForm(AvroSourceProtocol.AppendBatchMessage) == own.BatchReq
            && p.ResponseForm(AvroSourceProtocol.AppendBatchMessage) == own.BatchResp;
        return new RemoteProtocol(append, batch, append || batch ? null : $"client protocol {p.Namespace}.{p.Name} has no message compatible with Flume's AvroSourceProtocol");
    }
}
