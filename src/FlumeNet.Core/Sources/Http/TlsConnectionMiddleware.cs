using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources.Http;

/// <summary>
/// TLS for the http source as a Kestrel connection middleware over <see cref="SslStream"/>. (Kestrel's own
/// <c>UseHttps</c> needs services only a full web host registers.) A handshake that fails or takes longer than
/// the timeout costs that connection one WARN line; the listener keeps serving.
/// </summary>
internal sealed class TlsConnectionMiddleware(SslServerAuthenticationOptions options, TimeSpan handshakeTimeout, ILogger logger)
{
    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        var original = connection.Transport;
        await using var raw = new DuplexPipeStream(original);
        await using var ssl = new SslStream(raw, leaveInnerStreamOpen: true);
        using (var timeout = new CancellationTokenSource(handshakeTimeout))
        {
            try
            {
                await ssl.AuthenticateAsServerAsync(options, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
            {
                logger.LogWarning("TLS handshake with {Peer} failed: {Message}", connection.RemoteEndPoint, ex.Message);
                return;
            }
        }

        connection.Transport = new StreamDuplexPipe(ssl);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            connection.Transport = original;
        }
    };

    private sealed class StreamDuplexPipe(Stream stream) : IDuplexPipe
    {
        public PipeReader Input { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));

        public PipeWriter Output { get; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>A stream view of a connection's pipes (reads from its input, writes to its output).</summary>
    private sealed class DuplexPipeStream(IDuplexPipe pipe) : Stream
    {
        private readonly Stream _input = pipe.Input.AsStream(leaveOpen: true);
        private readonly Stream _output = pipe.Output.AsStream(leaveOpen: true);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _input.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _input.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _output.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _output.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => _output.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
