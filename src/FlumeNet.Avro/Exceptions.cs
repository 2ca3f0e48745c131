namespace FlumeNet.Avro;

/// <summary>
/// The peer sent bytes that violate the Avro IPC / Netty framing protocol, or exceeded a
/// configured cap. The connection it came from is closed; other connections are unaffected.
/// </summary>
public sealed class AvroProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AvroProtocolException(string message) : base(message) { }

    /// <summary>Creates the exception with a cause.</summary>
    public AvroProtocolException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// An RPC could not be completed: connect failure, timeout, connection loss, server error
/// response, protocol violation by the server, or a server that cannot bind.
/// </summary>
public sealed class AvroRpcException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AvroRpcException(string message) : base(message) { }

    /// <summary>Creates the exception with a cause.</summary>
    public AvroRpcException(string message, Exception inner) : base(message, inner) { }
}
