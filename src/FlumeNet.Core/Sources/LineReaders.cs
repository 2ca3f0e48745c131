using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace FlumeNet.Sources;

/// <summary>
/// Reads lines (ended by <c>\n</c>, <c>\r</c> or <c>\r\n</c>; a last unterminated line counts) and returns each as
/// an event body: the line's text encoded in the source's charset. A read that can be answered from what was
/// already received completes synchronously, so a caller can tell "more is ready" from "the writer is quiet".
/// </summary>
internal interface ILineReader
{
    ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken);
}

/// <summary>
/// UTF-8 lines straight from the bytes: a valid line is copied as it is (no text round trip); an invalid one is
/// decoded and re-encoded, so malformed sequences become U+FFFD as with any other charset.
/// </summary>
internal sealed class Utf8LineReader : ILineReader
{
    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private readonly ArrayBufferWriter<byte> _partial = new(256);
    private int _pos;
    private int _len;
    private bool _skipLf;
    private bool _eof;

    public Utf8LineReader(Stream stream, int bufferSize = 64 * 1024)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
    }

    public ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken) =>
        TryTakeLine(out var line) ? ValueTask.FromResult<byte[]?>(line) : ReadMoreAsync(cancellationToken);

    private static byte[] Body(ReadOnlySpan<byte> line) =>
        Utf8.IsValid(line) ? line.ToArray() : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(line));

    private async ValueTask<byte[]?> ReadMoreAsync(CancellationToken cancellationToken)
    {
        while (!_eof)
        {
            _len = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            _pos = 0;
            if (_len == 0)
            {
                _eof = true;
                break;
            }

            if (TryTakeLine(out var line))
            {
                return line;
            }
        }

        if (_partial.WrittenCount == 0)
        {
            return null;
        }

        var last = Body(_partial.WrittenSpan);
        _partial.Clear();
        return last;
    }

    private bool TryTakeLine(out byte[]? line)
    {
        while (_pos < _len)
        {
            if (_skipLf)
            {
                _skipLf = false;
                if (_buffer[_pos] == (byte)'\n')
                {
                    _pos++;
                    continue;
                }
            }

            var rest = _buffer.AsSpan(_pos, _len - _pos);
            var end = rest.IndexOfAny((byte)'\n', (byte)'\r');
            if (end < 0)
            {
                _partial.Write(rest);
                _pos = _len;
                break;
            }

            _skipLf = rest[end] == (byte)'\r';
            _pos += end + 1;
            if (_partial.WrittenCount == 0)
            {
                line = Body(rest[..end]);
            }
            else
            {
                _partial.Write(rest[..end]);
                line = Body(_partial.WrittenSpan);
                _partial.Clear();
            }

            return true;
        }

        line = null;
        return false;
    }
}

/// <summary>Lines of any other charset: decoded to text (undecodable input becomes U+FFFD) and encoded back.</summary>
internal sealed class DecodingLineReader(StreamReader reader, Encoding charset) : ILineReader
{
    public async ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        return line is null ? null : charset.GetBytes(line);
    }
}
