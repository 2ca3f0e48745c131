using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace FlumeNet.Avro;

/// <summary>Compression beneath the frames (spec §8). Both ends must agree.</summary>
public enum AvroCompression
{
    /// <summary>Plain TCP (Flume <c>compression-type = none</c>).</summary>
    None = 0,

    /// <summary>One zlib stream per direction, sync-flushed per write (Flume <c>compression-type = deflate</c>).</summary>
    Deflate = 1,
}

/// <summary>Settings of one <see cref="AvroRpcClient"/> connection (Flume avro sink).</summary>
public sealed record AvroRpcClientOptions
{
    /// <summary>Host name or IP address of the avro source. Required.</summary>
    public required string Host { get; init; }

    /// <summary>TCP port of the avro source. Required.</summary>
    public required int Port { get; init; }

    /// <summary>TCP connect + TLS handshake bound, and bound for handing a request to the socket. Default 20 s (Flume <c>connect-timeout</c>).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Time to wait for the response of one call. Default 20 s (Flume <c>request-timeout</c>).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Default <see cref="AvroCompression.None"/>.</summary>
    public AvroCompression Compression { get; init; } = AvroCompression.None;

    /// <summary>zlib level 0–9 when <see cref="Compression"/> is Deflate. Default 6.</summary>
    public int CompressionLevel { get; init; } = 6;

    /// <summary>Use TLS. Default false.</summary>
    public bool Ssl { get; init; }

    /// <summary>Accept any server certificate. Default false.</summary>
    public bool TrustAllCerts { get; init; }

    /// <summary>Trusted certificates (PKCS12 or PEM file). Null: the system's CAs. JKS is not supported.</summary>
    public string? TruststorePath { get; init; }

    /// <summary>Password of a PKCS12 truststore. Default null.</summary>
    public string? TruststorePassword { get; init; }

    /// <summary>"PKCS12", "PEM" or null (guessed from the file extension). "JKS" is rejected with a clear error.</summary>
    public string? TruststoreType { get; init; }

    /// <summary>TLS versions offered; <see cref="SslProtocols.None"/> (default) lets the OS choose its secure defaults.</summary>
    public SslProtocols EnabledSslProtocols { get; init; } = SslProtocols.None;

    /// <summary>Cipher suites offered (Flume include/exclude-cipher-suites; Linux and macOS). Null (default): the system's.</summary>
    public IReadOnlyList<System.Net.Security.TlsCipherSuite>? CipherSuites { get; init; }

    /// <summary>Largest response accepted, in bytes. Default 16 MiB (a Flume response is a few bytes).</summary>
    public int MaxResponseBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Test hook: protocol text to speak instead of Flume's (its MD5 is used as the client hash).</summary>
    internal string? ProtocolTextOverride { get; init; }
}

/// <summary>Settings of an <see cref="AvroRpcServer"/> (Flume avro source).</summary>
public sealed record AvroRpcServerOptions
{
    /// <summary>Address to bind. Default <see cref="IPAddress.Any"/>.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>Port to bind; 0 picks a free port (read it back from <see cref="AvroRpcServer.LocalEndPoint"/>). Default 0.</summary>
    public int Port { get; init; }

    /// <summary>
    /// Connections served at once. A new connection at the limit closes the open connection that has been idle the
    /// longest (one log line naming it); it is refused only when every connection is busy with a call. Default 1024.
    /// </summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>
    /// Once the first byte of a request frame has arrived, the whole frame must arrive within this time, or the
    /// connection is closed with one log line naming the peer (a client trickling a frame). Waiting between frames is
    /// not limited once the handshake succeeded. Default 60 s.
    /// </summary>
    public TimeSpan FrameReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Bytes of request frames being received, all connections together. When it is spent, connections stop reading
    /// (the senders' TCP windows fill) until frames complete or connections close; nothing more is allocated. A frame
    /// larger than this can never be received and is rejected like one over <see cref="MaxMessageBytes"/>. Default 128 MiB.
    /// </summary>
    public long MaxReceiveBufferBytes { get; init; } = 128L * 1024 * 1024;

    /// <summary>Default <see cref="AvroCompression.None"/>.</summary>
    public AvroCompression Compression { get; init; } = AvroCompression.None;

    /// <summary>zlib level for responses. Default 6 (the Java source always uses 6).</summary>
    public int CompressionLevel { get; init; } = 6;

    /// <summary>Server certificate with private key; non-null enables TLS. See <see cref="AvroTls.LoadServerCertificate"/>.</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>TLS versions accepted (Flume include/exclude-protocols); <see cref="SslProtocols.None"/> (default) = the OS's secure defaults.</summary>
    public SslProtocols EnabledSslProtocols { get; init; } = SslProtocols.None;

    /// <summary>Cipher suites accepted (Flume include/exclude-cipher-suites; Linux and macOS). Null (default): the system's.</summary>
    public IReadOnlyList<System.Net.Security.TlsCipherSuite>? CipherSuites { get; init; }

    /// <summary>ipFilter: return false to close a connection right after accept. Default null (accept all).</summary>
    public Func<IPAddress, bool>? AcceptClient { get; init; }

    /// <summary>Largest request message (sum of a frame's buffers), checked before allocating. Default 64 MiB.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// From accept until the Avro handshake succeeded (TLS included), the client must get there within this
    /// time or the connection is closed with one log line (defence against idle/slow clients). A Java sink
    /// connects at start but sends its handshake only with its first batch, so an idle sink's connection is
    /// closed after this time and re-dialled by the sink on its next batch. Default 5 minutes.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Distinct client protocols remembered (hash → protocol); protects against hash flooding. Default 64.</summary>
    public int MaxCachedClientProtocols { get; init; } = 64;

    /// <summary>Builds the event objects handed to the handler. Default: an internal simple event.</summary>
    public FlumeEventFactory? EventFactory { get; init; }
}
