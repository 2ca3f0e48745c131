using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Avro;

/// <summary>
/// Avro RPC server speaking Flume's <c>AvroSourceProtocol</c> (the Java avro source's NettyServer +
/// Responder). Each connection is served by its own task, requests in order; a connection that
/// misbehaves is closed with one log line and never affects the others.
/// Start and stop are idempotent; stop closes the listener and every connection.
/// </summary>
public sealed class AvroRpcServer : IAsyncDisposable
{
    private readonly AvroRpcServerOptions _options;
    private readonly IAvroSourceHandler _handler;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ServerConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _lifecycleLock = new(); // guards _listener/_acceptLoop transitions
    private Socket? _listener;
    private Task? _acceptLoop;
    private bool _stopped;

    /// <summary>Creates a stopped server.</summary>
    public AvroRpcServer(AvroRpcServerOptions options, IAvroSourceHandler handler, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Port {options.Port} is not in 0..65535");
        }

        if (options.MaxMessageBytes < 1024 || options.MaxConnections < 1 || options.CompressionLevel is < 0 or > 9 || options.HandshakeTimeout <= TimeSpan.Zero
            || options.FrameReadTimeout <= TimeSpan.Zero || options.MaxReceiveBufferBytes < ReceiveBudget.ChunkBytes)
        {
            throw new ArgumentException("invalid AvroRpcServerOptions (MaxMessageBytes >= 1024, MaxConnections >= 1, CompressionLevel 0..9, HandshakeTimeout > 0, FrameReadTimeout > 0, MaxReceiveBufferBytes >= 65536)", nameof(options));
        }

        _options = options;
        _handler = handler;
        _logger = logger;
        Protocols = new RemoteProtocols(Math.Max(1, options.MaxCachedClientProtocols));
        Budget = new ReceiveBudget(options.MaxReceiveBufferBytes);
        MaxFrameBytes = (int)Math.Min(options.MaxMessageBytes, Budget.Bytes);
        EventFactory = options.EventFactory ?? SimpleFlumeEvent.Factory;
    }

    /// <summary>The bound address and port (the real port when 0 was configured); null before start.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Connections currently open.</summary>
    public int ConnectionCount => _connections.Count;

    internal AvroRpcServerOptions Options => _options;

    internal IAvroSourceHandler Handler => _handler;

    internal ILogger Logger => _logger;

    internal RemoteProtocols Protocols { get; }

    internal FlumeEventFactory EventFactory { get; }

    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>The bytes of frames being received, shared by all connections.</summary>
    internal ReceiveBudget Budget { get; }

    /// <summary>Largest request accepted: <see cref="AvroRpcServerOptions.MaxMessageBytes"/>, or the whole budget if that is smaller.</summary>
    internal int MaxFrameBytes { get; }

    /// <summary>Bytes of the receive budget not held by any connection right now.</summary>
    public long AvailableReceiveBytes => (long)Budget.Available * ReceiveBudget.ChunkBytes;

    /// <summary>Binds and starts accepting.</summary>
    /// <exception cref="AvroRpcException">the address is in use or cannot be bound (message names bind:port).</exception>
    public Task StartAsync(CancellationToken ct = default)
    {
        lock (_lifecycleLock)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_listener is not null)
            {
                return Task.CompletedTask;
            }

            var endPoint = new IPEndPoint(_options.BindAddress, _options.Port);
            var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
                {
                    listener.DualMode = true;
                }

                listener.Bind(endPoint);
                listener.Listen(1024);
            }
            catch (SocketException ex)
            {
                listener.Dispose();
                string what = ex.SocketErrorCode == SocketError.AddressAlreadyInUse ? "address already in use" : ex.Message;
                throw new AvroRpcException($"cannot bind Avro RPC server to {_options.BindAddress}:{_options.Port}: {what}", ex);
            }

            _listener = listener;
            LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
            Log.ServerStarted(_logger, LocalEndPoint, _options.Compression, _options.ServerCertificate is not null);
            _acceptLoop = Task.Run(() => AcceptLoopAsync(listener));
        }

        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        CancellationToken stop = _stopping.Token;
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                Log.AcceptFailed(_logger, LocalEndPoint, ex.Message);
                continue;
            }

            var remote = socket.RemoteEndPoint as IPEndPoint;
            string peer = ServerConnection.Describe(remote);
            if (remote is not null && _options.AcceptClient is { } filter && !filter(remote.Address))
            {
                Log.ConnectionRejected(_logger, peer, "refused by ipFilter");
                socket.Dispose();
                continue;
            }

            if (_connections.Count >= _options.MaxConnections && !EvictIdlest(peer))
            {
                Log.ConnectionRejected(_logger, peer, $"maxConnections ({_options.MaxConnections}) reached and every connection is busy with a call");
                socket.Dispose();
                continue;
            }

            var connection = new ServerConnection(this, socket, peer);
            _connections.TryAdd(connection, 0);
            connection.Start();
        }
    }

    internal void Remove(ServerConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>
    /// Makes room for <paramref name="newcomer"/> by closing the connection idle the longest (an avro sink between
    /// batches, a client that only holds its socket). A connection busy with a call is never chosen. False when
    /// every connection is busy.
    /// </summary>
    private bool EvictIdlest(string newcomer)
    {
        ServerConnection? idlest = null;
        foreach (ServerConnection c in _connections.Keys)
        {
            if (!c.Busy && !c.Evicted && (idlest is null || c.LastActivity < idlest.LastActivity))
            {
                idlest = c;
            }
        }

        if (idlest is null)
        {
            return false;
        }

        long idleMs = Environment.TickCount64 - idlest.LastActivity;
        idlest.Evict($"idle for {idleMs} ms, the longest of {_connections.Count} connections at maxConnections ({_options.MaxConnections}); making room for {newcomer}");
        return true;
    }

    /// <summary>Closes the listener and all connections, and waits for their tasks. Idempotent.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        Task? loop;
        Socket? listener;
        lock (_lifecycleLock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            loop = _acceptLoop;
            listener = _listener;
        }

        _stopping.Cancel();
        listener?.Dispose();
        if (loop is not null)
        {
            await loop.WaitAsync(ct).ConfigureAwait(false);
        }

        var tasks = new List<Task>();
        foreach (ServerConnection c in _connections.Keys)
        {
            c.Abort();
            tasks.Add(c.Completion);
        }

        await Task.WhenAll(tasks).WaitAsync(ct).ConfigureAwait(false);
        if (listener is not null)
        {
            Log.ServerStopped(_logger, LocalEndPoint);
        }
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
