using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace FlumeNet.Sources;

/// <summary>
/// A TCP listener whose accept loop hands each connection to a handler task. Disposal stops accepting, closes the
/// open connections and waits for their handlers, so a source's stop returns only when no handler runs any more.
/// </summary>
internal sealed class TcpAcceptor : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<TcpClient, CancellationToken, Task> _handle;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TcpClient, Task> _connections = new();
    private readonly Task _accept;

    private TcpAcceptor(TcpListener listener, Func<TcpClient, CancellationToken, Task> handle)
    {
        _listener = listener;
        _handle = handle;
        _accept = Task.Run(AcceptLoopAsync, CancellationToken.None);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Binds and starts accepting; throws <see cref="SocketException"/> when the address cannot be bound.</summary>
    public static TcpAcceptor Start(IPAddress address, int port, Func<TcpClient, CancellationToken, Task> handle)
    {
        var listener = new TcpListener(address, port);
        listener.Start();
        return new TcpAcceptor(listener, handle);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accept.ConfigureAwait(false);
        foreach (var client in _connections.Keys)
        {
            client.Dispose();
        }

        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var done = new TaskCompletionSource();
            _connections[client] = done.Task;
            _ = Task.Run(
                async () =>
                {
                    try
                    {
                        await _handle(client, _stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
                    {
                        // the peer went away or the source is stopping
                    }
                    finally
                    {
                        _connections.TryRemove(client, out _);
                        client.Dispose();
                        done.SetResult();
                    }
                },
                CancellationToken.None);
        }
    }
}

/// <summary>Receives one datagram at a time (of up to 64 KiB).</summary>
internal delegate void DatagramHandler(ReadOnlySpan<byte> datagram, IPEndPoint? peer);

/// <summary>
/// A bound UDP socket and its single receive loop: datagrams are handled one after another on that loop, so a
/// handler needs no locking. Disposal closes the socket and waits for the loop.
/// </summary>
internal sealed class UdpReceiver : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly DatagramHandler _handle;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receive;

    private UdpReceiver(Socket socket, DatagramHandler handle)
    {
        _socket = socket;
        _handle = handle;
        _receive = Task.Run(ReceiveLoopAsync, CancellationToken.None);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Binds and starts receiving; throws <see cref="SocketException"/> when the address cannot be bound.</summary>
    public static UdpReceiver Start(IPAddress address, int port, DatagramHandler handle)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new UdpReceiver(socket, handle);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        await _receive.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1 << 16];
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // e.g. an ICMP error reflected on the socket; the socket keeps working
            }

            _handle(buffer.AsSpan(0, r.ReceivedBytes), r.RemoteEndPoint as IPEndPoint);
        }
    }
}
