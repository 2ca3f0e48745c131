using System.Net;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Avro;

/// <summary>All log lines of the Avro RPC layer (event ids 1100–1199). One line each; no stack trace for peer-side problems.</summary>
internal static partial class Log
{
    [LoggerMessage(1100, LogLevel.Information, "Avro RPC server listening on {EndPoint} (compression {Compression}, ssl {Ssl})")]
    public static partial void ServerStarted(ILogger logger, EndPoint endPoint, AvroCompression compression, bool ssl);

    [LoggerMessage(1101, LogLevel.Information, "Avro RPC server on {EndPoint} stopped")]
    public static partial void ServerStopped(ILogger logger, EndPoint? endPoint);

    [LoggerMessage(1102, LogLevel.Debug, "Connection from {Peer} accepted")]
    public static partial void ConnectionAccepted(ILogger logger, string peer);

    [LoggerMessage(1103, LogLevel.Information, "Connection to {Peer} disconnected.")]
    public static partial void ConnectionClosed(ILogger logger, string peer);

    [LoggerMessage(1104, LogLevel.Warning, "Closing connection from {Peer}: {Reason}")]
    public static partial void ConnectionRejected(ILogger logger, string peer, string reason);

    [LoggerMessage(1105, LogLevel.Warning, "Handler failed on {Message} of {Count} event(s) from {Peer}; answering with an Avro error")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string message, int count, string peer);

    [LoggerMessage(1106, LogLevel.Error, "Unexpected error on connection from {Peer}; connection closed")]
    public static partial void ConnectionCrashed(ILogger logger, Exception exception, string peer);

    [LoggerMessage(1107, LogLevel.Warning, "Accept failed on {EndPoint}: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, EndPoint? endPoint, string reason);

    [LoggerMessage(1108, LogLevel.Debug, "Handshake with {Peer}: {Match}")]
    public static partial void ServerHandshake(ILogger logger, string peer, HandshakeMatch match);

    [LoggerMessage(1120, LogLevel.Debug, "Connected to {Remote} (compression {Compression}, ssl {Ssl})")]
    public static partial void ClientConnected(ILogger logger, string remote, AvroCompression compression, bool ssl);

    [LoggerMessage(1121, LogLevel.Debug, "Handshake with {Remote}: {Match}")]
    public static partial void ClientHandshake(ILogger logger, string remote, HandshakeMatch match);

    [LoggerMessage(1122, LogLevel.Warning, "Avro RPC client for {Remote}: active -> failed: {Reason}")]
    public static partial void ClientFailed(ILogger logger, string remote, string reason);
}
