using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Avro;

/// <summary>
/// One Avro RPC connection to a Flume avro source (the Java <c>NettyAvroRpcClient</c>).
/// Calls are serialised: one request is outstanding at a time (the sink is single-threaded;
/// concurrent callers simply queue). Any failure (timeout, connection loss, protocol
/// violation) marks the client inactive; build a new one to reconnect (serials restart at 1).
/// </summary>
public sealed class AvroRpcClient : IAsyncDisposable
{
    // Process-wide "remote address → server hash", like Java's REMOTE_HASHES (spec §5.1).
    private static readonly ConcurrentDictionary<string, byte[]> ServerHashes = new();

    private readonly AvroRpcClientOptions _options;
    private readonly ILogger _logger;
    private readonly Stream _stream;
    private readonly string _remote;
    private readonly string _protocolText;
    private readonly byte[] _clientHash;
    private readonly SemaphoreSlim _gate = new(1, 1); // one call at a time; guards everything below
    private readonly PooledBufferWriter _params = new();
    private readonly PooledBufferWriter _head = new(512);
    private readonly PooledBufferWriter _frame = new();
    private readonly PooledBufferWriter _recv = new(256);
    private readonly byte[] _header8 = new byte[8];
    private int _serial;
    private bool _established;
    private volatile bool _active = true;
    private int _disposed;

    private AvroRpcClient(AvroRpcClientOptions options, ILogger logger, Stream stream, string remote)
    {
        _options = options;
        _logger = logger;
        _stream = stream;
        _remote = remote;
        _protocolText = options.ProtocolTextOverride ?? AvroSourceProtocol.Text;
        _clientHash = options.ProtocolTextOverride is null ? AvroSourceProtocol.Hash : AvroSourceProtocol.ComputeHash(_protocolText);
    }

    /// <summary>True until the connection failed or the client was disposed.</summary>
    public bool IsActive => _active;

    /// <summary>
    /// Opens the TCP connection (and TLS session) within <see cref="AvroRpcClientOptions.ConnectTimeout"/>.
    /// The Avro handshake travels with the first call, as in Java.
    /// </summary>
    /// <exception cref="AvroRpcException">connect refused, timed out, TLS failure or bad options.</exception>
    public static async Task<AvroRpcClient> ConnectAsync(AvroRpcClientOptions options, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        Validate(options);
        string target = $"{options.Host}:{options.Port}";
        X509Certificate2Collection? trusted = options.Ssl && !options.TrustAllCerts && options.TruststorePath is not null
            ? AvroTls.LoadTrustStore(options.TruststorePath, options.TruststorePassword, options.TruststoreType)
            : null;

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            await socket.ConnectAsync(options.Host, options.Port, cts.Token).ConfigureAwait(false);
            string remote = socket.RemoteEndPoint is IPEndPoint { Address.IsIPv4MappedToIPv6: true } mapped
                ? new IPEndPoint(mapped.Address.MapToIPv4(), mapped.Port).ToString()
                : socket.RemoteEndPoint?.ToString() ?? target;
            stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Compression == AvroCompression.Deflate)
            {
                stream = new ZlibDuplexStream(stream, options.CompressionLevel);
            }

            if (options.Ssl)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = string.Empty, // like Java's SSLEngine without peer host: no SNI, no name check
                        RemoteCertificateValidationCallback = AvroTls.ClientValidator(options.TrustAllCerts, trusted),
                        EnabledSslProtocols = options.EnabledSslProtocols,
                        CipherSuitesPolicy = AvroTls.CipherPolicy(options.CipherSuites),
                    },
                    cts.Token).ConfigureAwait(false);
            }

            Log.ClientConnected(logger, remote, options.Compression, options.Ssl);
            // The response arrives as a 8-byte header and several short length-prefixed buffers: read it with a few
            // system calls, not one per piece. A request is one large write, which passes through unbuffered.
            stream = new BufferedStream(stream, 4096);
            return new AvroRpcClient(options, logger, stream, remote);
        }
        catch (Exception ex)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            throw ex switch
            {
                OperationCanceledException when !ct.IsCancellationRequested =>
                    new AvroRpcException($"connect to {target} timed out after {(long)options.ConnectTimeout.TotalMilliseconds} ms"),
                OperationCanceledException => ex,
                SocketException se => new AvroRpcException($"cannot connect to {target}: {se.Message}", se),
                AuthenticationException ae => new AvroRpcException($"TLS handshake with {target} failed: {ae.Message}", ae),
                IOException or AvroProtocolException => new AvroRpcException($"connection to {target} failed during setup: {ex.Message}", ex),
                _ => ex,
            };
        }
    }

    /// <summary>Sends one <c>append</c> and returns the source's <see cref="AvroStatus"/>.</summary>
    /// <exception cref="AvroRpcException">timeout, connection loss, server error response.</exception>
    public Task<AvroStatus> AppendAsync(IFlumeEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        return CallAsync(AvroSourceProtocol.AppendMessage, null, e, ct);
    }

    /// <summary>Sends one <c>appendBatch</c> and returns the source's <see cref="AvroStatus"/>.</summary>
    /// <exception cref="AvroRpcException">timeout, connection loss, server error response.</exception>
    public Task<AvroStatus> AppendBatchAsync(IReadOnlyList<IFlumeEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(events);
        return CallAsync(AvroSourceProtocol.AppendBatchMessage, events, null, ct);
    }

    private async Task<AvroStatus> CallAsync(string message, IReadOnlyList<IFlumeEvent>? batch, IFlumeEvent? single, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        string phase = "sending the request";
        try
        {
            if (!_active)
            {
                throw new AvroRpcException($"Avro RPC client for {_remote} is not active (failed or closed earlier)");
            }

            _params.Clear();
            if (batch is not null)
            {
                FlumeEventCodec.WriteEventArray(_params, batch);
            }
            else
            {
                FlumeEventCodec.WriteEvent(_params, single!);
            }

            bool sendProtocol = false;
            byte[]? serverHash = null;
            while (true)
            {
                _head.Clear();
                if (!_established)
                {
                    serverHash ??= ServerHashes.TryGetValue(_remote, out byte[]? cached) ? cached : _clientHash;
                    HandshakeCodec.WriteRequest(_head, _clientHash, sendProtocol ? _protocolText : null, serverHash);
                }

                AvroWriter.WriteLong(_head, 0); // call metadata: empty map
                AvroWriter.WriteString(_head, message);
                int serial = ++_serial;
                _frame.Clear();
                FrameCodec.WriteRequestFrame(_frame, serial, _head.WrittenSpan, _params.WrittenSpan);

                phase = "sending the request";
                using (var sendCts = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    sendCts.CancelAfter(_options.ConnectTimeout);
                    await _stream.WriteAsync(_frame.WrittenMemory, sendCts.Token).ConfigureAwait(false);
                    await _stream.FlushAsync(sendCts.Token).ConfigureAwait(false);
                }

                phase = "waiting for the response";
                int? got;
                using (var recvCts = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    recvCts.CancelAfter(_options.RequestTimeout);
                    bool sniff = !_established && !_options.Ssl && _options.Compression == AvroCompression.None;
                    got = await FrameCodec.ReadFrameAsync(_stream, _recv, _header8, _options.MaxResponseBytes, recvCts.Token, sniff).ConfigureAwait(false);
                }

                if (got is null)
                {
                    throw new EndOfStreamException("connection closed by the server");
                }

                if (got.Value != serial)
                {
                    throw new AvroProtocolException($"response serial {got.Value} does not match request serial {serial}");
                }

                Outcome outcome = ParseResponse();
                if (outcome.ResendWithProtocol)
                {
                    if (sendProtocol)
                    {
                        throw new AvroProtocolException("handshake failure: server answered NONE although our protocol was sent");
                    }

                    sendProtocol = true;
                    serverHash = outcome.ServerHash;
                    continue;
                }

                if (outcome.Error is not null)
                {
                    throw new AvroRpcException($"server {_remote} answered {message} with an error: {outcome.Error}");
                }

                return outcome.Status;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            TimeSpan t = phase.StartsWith("send", StringComparison.Ordinal) ? _options.ConnectTimeout : _options.RequestTimeout;
            string reason = $"RPC request to {_remote} timed out after {(long)t.TotalMilliseconds} ms {phase}";
            Fail(reason);
            throw new AvroRpcException(reason);
        }
        catch (OperationCanceledException)
        {
            Fail("call cancelled by the caller; connection state unknown");
            throw;
        }
        catch (AvroProtocolException ex)
        {
            string reason = $"protocol error from {_remote}: {ex.Message}";
            Fail(reason);
            throw new AvroRpcException(reason, ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            string reason = $"connection to {_remote} lost while {phase}: {ex.Message}";
            Fail(reason);
            throw new AvroRpcException(reason, ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    private readonly record struct Outcome(AvroStatus Status, string? Error, bool ResendWithProtocol, byte[]? ServerHash);

    /// <summary>
    /// [HandshakeResponse, first call only] | meta map | error flag | Status enum or error union.
    /// </summary>
    private Outcome ParseResponse()
    {
        var r = new AvroReader(_recv.WrittenSpan);
        if (!_established)
        {
            HandshakeResponse hs = HandshakeCodec.ReadResponse(ref r);
            Log.ClientHandshake(_logger, _remote, hs.Match);
            if (hs.ServerHash is not null)
            {
                ServerHashes[_remote] = hs.ServerHash;
            }

            if (hs.Match == HandshakeMatch.None)
            {
                return new Outcome(default, null, true, hs.ServerHash ?? throw new AvroProtocolException("NONE handshake response without serverHash"));
            }

            _established = true;
        }

        r.SkipBytesMap();
        if (r.ReadBoolean())
        {
            long branch = r.ReadLong();
            string text = branch == 0 ? r.ReadString() : $"(declared error, union branch {branch})";
            return new Outcome(default, text, false, null);
        }

        int status = r.ReadInt();
        if (status is < 0 or > 2)
        {
            throw new AvroProtocolException($"invalid Status index {status}");
        }

        return new Outcome((AvroStatus)status, null, false, null);
    }

    private void Fail(string reason)
    {
        if (_active)
        {
            _active = false;
            Log.ClientFailed(_logger, _remote, reason);
            try
            {
                _stream.Dispose();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
            {
                // already broken
            }
        }
    }

    private static void Validate(AvroRpcClientOptions o)
    {
        var problems = new StringBuilder();
        if (string.IsNullOrWhiteSpace(o.Host))
        {
            problems.Append(" Host is empty;");
        }

        if (o.Port is < 1 or > 65535)
        {
            problems.Append($" Port {o.Port} is not in 1..65535;");
        }

        if (o.ConnectTimeout <= TimeSpan.Zero)
        {
            problems.Append(" ConnectTimeout must be positive;");
        }

        if (o.RequestTimeout <= TimeSpan.Zero)
        {
            problems.Append(" RequestTimeout must be positive;");
        }

        if (o.CompressionLevel is < 0 or > 9)
        {
            problems.Append($" CompressionLevel {o.CompressionLevel} is not in 0..9;");
        }

        if (o.MaxResponseBytes < 64)
        {
            problems.Append(" MaxResponseBytes is too small;");
        }

        if (problems.Length > 0)
        {
            throw new AvroRpcException("invalid Avro RPC client options:" + problems.ToString().TrimEnd(';'));
        }
    }

    /// <summary>Closes the connection (a deflate stream sends its trailer). Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _active = false;
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // peer already gone
        }

        // wait for an in-flight call (it fails fast on the closed stream) before returning buffers
        await _gate.WaitAsync().ConfigureAwait(false);
        _params.Dispose();
        _head.Dispose();
        _frame.Dispose();
        _recv.Dispose();
        _gate.Release();
    }
}
