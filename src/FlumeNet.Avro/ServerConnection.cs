using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace FlumeNet.Avro;

/// <summary>
/// One accepted connection of an <see cref="AvroRpcServer"/>: reads a frame, decodes the call,
/// awaits the handler, writes the response — strictly in order. All fields are owned by the
/// connection's single task, except <see cref="Abort"/> and <see cref="Evict"/>, which only dispose the socket, and
/// <see cref="Busy"/>/<see cref="LastActivity"/>, which the accept loop reads to choose a connection to evict.
/// </summary>
internal sealed partial class ServerConnection
{
    private const int IoBufferBytes = 32 * 1024;
    private const string NoSuchMessage = "org.apache.avro.AvroRuntimeException: No such remote message: ";

    private readonly AvroRpcServer _server;
    private readonly Socket _socket;
    private readonly string _peer;
    private readonly PooledBufferWriter _recv = new();
    private readonly PooledBufferWriter _handshakeOut = new(64);
    private readonly PooledBufferWriter _send = new(256);
    private readonly byte[] _header8 = new byte[8];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RemoteProtocol? _remote; // null until a handshake succeeded on this connection
    private long _lastActivity = Environment.TickCount64;
    private volatile bool _busy;
    private volatile bool _evicted;

    public ServerConnection(AvroRpcServer server, Socket socket, string peer)
    {
        _server = server;
        _socket = socket;
        _peer = peer;
    }

    public Task Completion => _completion.Task;

    /// <summary>Formats a peer like Java's logs: <c>/ip:port</c>.</summary>
    public static string Describe(IPEndPoint? ep) =>
        ep is null ? "/unknown" : $"/{(ep.Address.IsIPv4MappedToIPv6 ? ep.Address.MapToIPv4() : ep.Address)}:{ep.Port}";

    /// <summary><see cref="Environment.TickCount64"/> when the peer last sent bytes (or connected).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>True while a call is being handled and answered: such a connection is never evicted.</summary>
    public bool Busy => _busy;

    /// <summary>True once <see cref="Evict"/> closed the connection.</summary>
    public bool Evicted => _evicted;

    public void Start() => _ = Task.Run(RunAsync);

    /// <summary>Closes the connection to make room for another (any thread), with one line giving <paramref name="reason"/>.</summary>
    public void Evict(string reason)
    {
        _evicted = true;
        Log.ConnectionRejected(_server.Logger, _peer, reason);
        Abort();
    }

    /// <summary>Called by the server on stop (any thread): unblocks pending reads/writes.</summary>
    public void Abort()
    {
        try
        {
            _socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
            // already closed
        }
    }

    private async Task RunAsync()
    {
        AvroRpcServerOptions options = _server.Options;
        CancellationToken stopping = _server.Stopping;
        using var setupCts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        setupCts.CancelAfter(options.HandshakeTimeout);

        // Armed from a frame's first byte to its last; linked to setupCts, which stops timing once the handshake succeeded.
        using var frameCts = CancellationTokenSource.CreateLinkedTokenSource(setupCts.Token);
        Stream? stream = null;
        try
        {
            Log.ConnectionAccepted(_server.Logger, _peer);
            _socket.NoDelay = true;
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            stream = new NetworkStream(_socket, ownsSocket: true);
            if (options.Compression == AvroCompression.Deflate)
            {
                stream = new ZlibDuplexStream(stream, options.CompressionLevel);
            }

            if (options.ServerCertificate is { } cert)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions { ServerCertificate = cert, ClientCertificateRequired = false, EnabledSslProtocols = options.EnabledSslProtocols, CipherSuitesPolicy = AvroTls.CipherPolicy(options.CipherSuites) },
                    setupCts.Token).ConfigureAwait(false);
            }

            // A frame is read as many small pieces (8-byte header, 4-byte lengths, 8 KiB buffers): one socket read
            // per piece would cost a system call each; the buffer turns a batch into a few large reads.
            stream = new BufferedStream(stream, IoBufferBytes);
            bool first = true;
            while (true)
            {
                // Until the handshake succeeded the client must get there within HandshakeTimeout; after that a
                // silent connection is left alone (an avro sink between batches), but each frame has FrameReadTimeout.
                bool sniff = first && options.ServerCertificate is null && options.Compression == AvroCompression.None;
                int? serial = await ReadRequestAsync(stream, setupCts.Token, frameCts, sniff).ConfigureAwait(false);
                if (serial is null)
                {
                    Log.ConnectionClosed(_server.Logger, _peer);
                    break;
                }

                first = false;
                bool keepOpen;
                _busy = true;
                try
                {
                    keepOpen = await ProcessAsync(serial.Value, stream, stopping).ConfigureAwait(false);
                }
                finally
                {
                    _busy = false;
                    Touch();
                }

                if (_remote is not null)
                {
                    setupCts.CancelAfter(Timeout.InfiniteTimeSpan);
                }

                if (!keepOpen)
                {
                    break;
                }

                _recv.Clear();
                _recv.TrimIfLarger(1024 * 1024);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested || _evicted)
        {
            // server stopping, or evicted (already logged): normal end
        }
        catch (OperationCanceledException) when (setupCts.IsCancellationRequested)
        {
            Log.ConnectionRejected(_server.Logger, _peer,
                $"no complete handshake within {(long)options.HandshakeTimeout.TotalMilliseconds} ms");
        }
        catch (OperationCanceledException)
        {
            Log.ConnectionRejected(_server.Logger, _peer,
                $"request frame not complete within {(long)options.FrameReadTimeout.TotalMilliseconds} ms (frameReadTimeout); partial request discarded");
        }
        catch (AvroProtocolException ex)
        {
            Log.ConnectionRejected(_server.Logger, _peer, ex.Message);
        }
        catch (AuthenticationException ex)
        {
            Log.ConnectionRejected(_server.Logger, _peer, $"TLS handshake failed: {ex.Message}");
        }
        catch (EndOfStreamException ex)
        {
            if (!_evicted)
            {
                Log.ConnectionRejected(_server.Logger, _peer, $"{ex.Message}; partial request discarded");
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            if (!stopping.IsCancellationRequested && !_evicted)
            {
                Log.ConnectionRejected(_server.Logger, _peer, $"connection lost: {ex.InnerException?.Message ?? ex.Message}");
            }
        }
        catch (Exception ex)
        {
            Log.ConnectionCrashed(_server.Logger, ex, _peer);
        }
        finally
        {
            try
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    _socket.Dispose();
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // peer already gone
            }

            _recv.Dispose();
            _handshakeOut.Dispose();
            _send.Dispose();
            _server.Remove(this);
            _completion.TrySetResult();
        }
    }

    private enum CallKind
    {
        HandshakeOnly,
        Append,
        AppendBatch,
        UnknownMessage,
    }

    private readonly record struct Call(CallKind Kind, string Name, IFlumeEvent? Event, List<IFlumeEvent>? Events);

    /// <summary>Handles one request; false = close the connection after the answer.</summary>
    private async ValueTask<bool> ProcessAsync(int serial, Stream stream, CancellationToken stopping)
    {
        Call call = Decode();
        AvroStatus status = AvroStatus.Ok;
        string? error = null;
        bool keepOpen = true;
        switch (call.Kind)
        {
            case CallKind.HandshakeOnly:
                WriteHandshakeOnly(serial);
                await SendAsync(stream, stopping).ConfigureAwait(false);
                return true;
            case CallKind.UnknownMessage:
                error = NoSuchMessage + call.Name;
                keepOpen = false;
                break;
            default:
                try
                {
                    status = call.Kind == CallKind.Append
                        ? await _server.Handler.AppendAsync(call.Event!, stopping).ConfigureAwait(false)
                        : await _server.Handler.AppendBatchAsync(call.Events!, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    Log.HandlerFailed(_server.Logger, ex, call.Name, call.Events?.Count ?? 1, _peer);
                    error = $"{ex.GetType().FullName}: {ex.Message}";
                }

                break;
        }

        WriteResponse(serial, status, error);
        await SendAsync(stream, stopping).ConfigureAwait(false);
        if (!keepOpen)
        {
            Log.ConnectionRejected(_server.Logger, _peer, $"unknown message '{call.Name}' (answered with an Avro error)");
        }

        return keepOpen;
    }

    /// <summary>
    /// Request: [HandshakeRequest until established] | meta map&lt;bytes&gt; | message name | parameters.
    /// Writes the handshake response (if any) to <see cref="_handshakeOut"/>.
    /// </summary>
    private Call Decode()
    {
        _handshakeOut.Clear();
        var r = new AvroReader(_recv.WrittenSpan);
        if (_remote is null)
        {
            HandshakeRequest hs = HandshakeCodec.ReadRequest(ref r);
            RemoteProtocol? known = _server.Protocols.Find(hs.ClientHash);
            if (known is null && hs.ClientProtocol is not null)
            {
                known = _server.Protocols.Add(hs.ClientHash, hs.ClientProtocol);
            }

            bool serverHashMatches = hs.ServerHash.AsSpan().SequenceEqual(AvroSourceProtocol.Hash);
            HandshakeMatch match = known is null ? HandshakeMatch.None : serverHashMatches ? HandshakeMatch.Both : HandshakeMatch.Client;
            if (match == HandshakeMatch.Both)
            {
                HandshakeCodec.WriteResponse(_handshakeOut, match, null, default);
            }
            else
            {
                HandshakeCodec.WriteResponse(_handshakeOut, match, AvroSourceProtocol.Text, AvroSourceProtocol.Hash);
            }

            Log.ServerHandshake(_server.Logger, _peer, match);
            if (match == HandshakeMatch.None)
            {
                return new Call(CallKind.HandshakeOnly, string.Empty, null, null);
            }

            if (known!.Problem is not null)
            {
                throw new AvroProtocolException(known.Problem);
            }

            _remote = known;
        }

        r.SkipBytesMap();
        string name = r.ReadString();
        switch (name)
        {
            case "":
                return new Call(CallKind.HandshakeOnly, name, null, null);
            case AvroSourceProtocol.AppendMessage when _remote.AppendReadable:
                return new Call(CallKind.Append, name, FlumeEventCodec.ReadEvent(ref r, _server.EventFactory), null);
            case AvroSourceProtocol.AppendBatchMessage when _remote.AppendBatchReadable:
                return new Call(CallKind.AppendBatch, name, null, FlumeEventCodec.ReadEventArray(ref r, _server.EventFactory));
            default:
                return new Call(CallKind.UnknownMessage, name, null, null);
        }
    }

    /// <summary>Handshake-only answer (NONE or ping): one buffer holding the handshake response.</summary>
    private void WriteHandshakeOnly(int serial)
    {
        _send.Clear();
        int frame = FrameCodec.BeginFrame(_send, serial);
        int b0 = FrameCodec.BeginBuffer(_send);
        _send.Write(_handshakeOut.WrittenSpan);
        FrameCodec.EndBuffer(_send, b0);
        FrameCodec.EndFrame(_send, frame, 1);
    }

    /// <summary>
    /// Call answer as Java's Responder splits it: [handshake (0 bytes once established)] [meta: 00]
    /// [error flag + Status enum, or error flag + union branch 0 + string].
    /// </summary>
    private void WriteResponse(int serial, AvroStatus status, string? error)
    {
        _send.Clear();
        int frame = FrameCodec.BeginFrame(_send, serial);
        int b0 = FrameCodec.BeginBuffer(_send);
        _send.Write(_handshakeOut.WrittenSpan);
        FrameCodec.EndBuffer(_send, b0);
        int b1 = FrameCodec.BeginBuffer(_send);
        AvroWriter.WriteLong(_send, 0);
        FrameCodec.EndBuffer(_send, b1);
        int b2 = FrameCodec.BeginBuffer(_send);
        if (error is null)
        {
            AvroWriter.WriteBoolean(_send, false);
            AvroWriter.WriteInt(_send, (int)status);
        }
        else
        {
            AvroWriter.WriteBoolean(_send, true);
            AvroWriter.WriteLong(_send, 0);
            AvroWriter.WriteString(_send, error);
        }

        FrameCodec.EndBuffer(_send, b2);
        FrameCodec.EndFrame(_send, frame, 3);
    }

    private async ValueTask SendAsync(Stream stream, CancellationToken ct)
    {
        await stream.WriteAsync(_send.WrittenMemory, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }
}
