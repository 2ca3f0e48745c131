using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace FlumeNet.Sources.Taildir;

/// <summary>
/// One followed file: its identity (device + inode), where it was last seen, the committed position (the byte after the
/// last line the channel accepted) and, while it is open, a read buffer. Lines are cut from raw bytes on LF; a CR before
/// the LF is dropped; bytes after the last LF are not a line yet. Used by the source's poll thread only.
/// </summary>
internal sealed class TailFile : IDisposable
{
    private const int InitialBuffer = 256 * 1024;

    private byte[] _buf = Array.Empty<byte>();
    private long _bufStart;
    private int _bufLen;

    public TailFile(FileId id, string path, int group, long pos)
    {
        Id = id;
        Path = path;
        Group = group;
        Pos = pos;
    }

    public FileId Id { get; }

    /// <summary>True (TAILDIR) drops a CR directly before the LF; false (spooldir) keeps it in the line.</summary>
    public bool StripCr { get; init; } = true;

    /// <summary>Absolute path the file was last seen at (renames update it).</summary>
    public string Path { get; set; }

    /// <summary>Index of the file group whose pattern it matched (its headers apply).</summary>
    public int Group { get; set; }

    /// <summary>Byte offset of the next line not yet committed to the channel.</summary>
    public long Pos { get; private set; }

    /// <summary>True when the file no longer matches any group (renamed away, moved or deleted): it is read to its end, then forgotten.</summary>
    public bool Draining { get; set; }

    /// <summary>Size and modification time when last looked at; a change resets the idle clock.</summary>
    public long LastSize { get; set; } = -1;

    public long LastModified { get; set; }

    /// <summary>Tick count (ms) of the last change seen or of the open.</summary>
    public long LastActivity { get; set; }

    public SafeFileHandle? Handle { get; private set; }

    public bool IsOpen => Handle is not null;

    public string InodeText => Id.Inode.ToString(CultureInfo.InvariantCulture);

    public void Open()
    {
        Handle ??= File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    public void Close()
    {
        Handle?.Dispose();
        Handle = null;
        _buf = Array.Empty<byte>();
        _bufLen = 0;
    }

    /// <summary>Moves the committed position (after a commit, a truncation, or when a saved position is loaded).</summary>
    public void SetPos(long pos)
    {
        if (pos < _bufStart || pos > _bufStart + _bufLen)
        {
            _bufLen = 0;
            _bufStart = pos;
        }

        Pos = pos;
    }

    /// <summary>Forgets buffered bytes (the file was truncated).</summary>
    public void ResetBuffer()
    {
        _bufLen = 0;
        _bufStart = Pos;
    }

    /// <summary>
    /// Cuts up to <paramref name="max"/> complete lines starting at <see cref="Pos"/>; the file must be open. Calls
    /// <paramref name="emit"/> with each line's bytes (CR LF / LF removed) and its start offset. With
    /// <paramref name="includePartial"/>, bytes after the last LF at end of file also make a line. Returns the offset
    /// after the last line cut: the position to commit once the channel has accepted those lines. Does not move
    /// <see cref="Pos"/>, so a failed put re-reads the same lines.
    /// </summary>
    public long ReadLines(int max, bool includePartial, Action<ReadOnlySpan<byte>, long> emit, out int count)
    {
        count = 0;
        var handle = Handle ?? throw new InvalidOperationException("file is not open");
        if (_bufLen == 0 || Pos < _bufStart || Pos > _bufStart + _bufLen)
        {
            _bufStart = Pos;
            _bufLen = 0;
        }

        var scan = (int)(Pos - _bufStart);
        var lineStart = scan;
        var eof = false;
        while (count < max)
        {
            var nl = _buf.AsSpan(scan, _bufLen - scan).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                var end = scan + nl;
                var len = end - lineStart;
                if (StripCr && len > 0 && _buf[end - 1] == (byte)'\r')
                {
                    len--;
                }

                emit(_buf.AsSpan(lineStart, len), _bufStart + lineStart);
                count++;
                scan = end + 1;
                lineStart = scan;
                continue;
            }

            if (eof)
            {
                break;
            }

            // Need more bytes: keep the unfinished line at the front of the buffer, then fill the rest.
            scan = _bufLen;
            if (lineStart > 0)
            {
                Buffer.BlockCopy(_buf, lineStart, _buf, 0, _bufLen - lineStart);
                _bufStart += lineStart;
                _bufLen -= lineStart;
                scan -= lineStart;
                lineStart = 0;
            }

            if (_buf.Length == 0 || _bufLen == _buf.Length)
            {
                Array.Resize(ref _buf, Math.Max(InitialBuffer, _buf.Length * 2));
            }

            var n = RandomAccess.Read(handle, _buf.AsSpan(_bufLen), _bufStart + _bufLen);
            if (n <= 0)
            {
                eof = true;
                continue;
            }

            _bufLen += n;
        }

        if (includePartial && count < max && eof && lineStart < _bufLen)
        {
            emit(_buf.AsSpan(lineStart, _bufLen - lineStart), _bufStart + lineStart);
            count++;
            lineStart = _bufLen;
        }

        return _bufStart + lineStart;
    }

    public void Dispose() => Close();
}
