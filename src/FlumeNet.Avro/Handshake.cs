using System.Buffers;

namespace FlumeNet.Avro;

internal enum HandshakeMatch
{
    Both = 0,
    Client = 1,
    None = 2,
}

/// <summary>org.apache.avro.ipc.HandshakeRequest (spec §3).</summary>
internal readonly record struct HandshakeRequest(byte[] ClientHash, string? ClientProtocol, byte[] ServerHash);

/// <summary>org.apache.avro.ipc.HandshakeResponse (spec §3).</summary>
internal readonly record struct HandshakeResponse(HandshakeMatch Match, string? ServerProtocol, byte[]? ServerHash);

/// <summary>Encoding and decoding of the IPC handshake records.</summary>
internal static class HandshakeCodec
{
    public const int HashSize = 16;

    /// <summary>
    /// clientHash (fixed 16) | clientProtocol union[null,string] | serverHash (fixed 16) |
    /// meta union[null,map&lt;bytes&gt;] — Java always sends branch 1 with an empty map: <c>02 00</c>.
    /// </summary>
    public static void WriteRequest(IBufferWriter<byte> w, ReadOnlySpan<byte> clientHash, string? clientProtocol, ReadOnlySpan<byte> serverHash)
    {
        AvroWriter.WriteFixed(w, clientHash);
        if (clientProtocol is null)
        {
            AvroWriter.WriteLong(w, 0);
        }
        else
        {
            AvroWriter.WriteLong(w, 1);
            AvroWriter.WriteString(w, clientProtocol);
        }

        AvroWriter.WriteFixed(w, serverHash);
        AvroWriter.WriteLong(w, 1);
        AvroWriter.WriteLong(w, 0);
    }

    public static HandshakeRequest ReadRequest(ref AvroReader r)
    {
        byte[] clientHash = r.ReadFixed(HashSize).ToArray();
        string? protocol = ReadNullableString(ref r, "clientProtocol");
        byte[] serverHash = r.ReadFixed(HashSize).ToArray();
        SkipNullableMeta(ref r);
        return new HandshakeRequest(clientHash, protocol, serverHash);
    }

    /// <summary>
    /// match (enum int) | serverProtocol union[null,string] | serverHash union[null,MD5] | meta union[null,map].
    /// BOTH is <c>00 00 00 00</c>; otherwise the server's text and hash are included. meta is null.
    /// </summary>
    public static void WriteResponse(IBufferWriter<byte> w, HandshakeMatch match, string? serverProtocol, ReadOnlySpan<byte> serverHash)
    {
        AvroWriter.WriteInt(w, (int)match);
        if (serverProtocol is null)
        {
            AvroWriter.WriteLong(w, 0);
        }
        else
        {
            AvroWriter.WriteLong(w, 1);
            AvroWriter.WriteString(w, serverProtocol);
        }

        if (serverHash.IsEmpty)
        {
            AvroWriter.WriteLong(w, 0);
        }
        else
        {
            AvroWriter.WriteLong(w, 1);
            AvroWriter.WriteFixed(w, serverHash);
        }

        AvroWriter.WriteLong(w, 0);
    }

    public static HandshakeResponse ReadResponse(ref AvroReader r)
    {
        int match = r.ReadInt();
        if (match is < 0 or > 2)
        {
            throw new AvroProtocolException($"invalid HandshakeMatch index {match}");
        }

        string? protocol = ReadNullableString(ref r, "serverProtocol");
        byte[]? hash = null;
        long branch = r.ReadLong();
        if (branch == 1)
        {
            hash = r.ReadFixed(HashSize).ToArray();
        }
        else if (branch != 0)
        {
            throw new AvroProtocolException($"invalid union branch {branch} in serverHash");
        }

        SkipNullableMeta(ref r);
        return new HandshakeResponse((HandshakeMatch)match, protocol, hash);
    }

    private static string? ReadNullableString(ref AvroReader r, string field)
    {
        long branch = r.ReadLong();
        return branch switch
        {
            0 => null,
            1 => r.ReadString(),
            _ => throw new AvroProtocolException($"invalid union branch {branch} in {field}"),
        };
    }

    private static void SkipNullableMeta(ref AvroReader r)
    {
        long branch = r.ReadLong();
        if (branch == 1)
        {
            r.SkipBytesMap();
        }
        else if (branch != 0)
        {
            throw new AvroProtocolException($"invalid union branch {branch} in handshake meta");
        }
    }
}
