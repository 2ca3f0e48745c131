using System.Globalization;
using FlumeNet.Sources.Taildir;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources;

/// <summary>TAILDIR: finding files, following renames, reading batches and saving positions.</summary>
internal sealed partial class TaildirSource
{
    /// <summary>
    /// Lists every group and reconciles with the followed files: a known inode under a new matching name is a rename
    /// (position kept); a new inode is a new file (from 0, or from its end at start with skipToEnd); a followed file no
    /// longer listed is looked up by inode in its directory (renamed to a name that does not match) or is gone, and is
    /// read to its end either way.
    /// </summary>
    private void Refresh(bool initial)
    {
        var seen = new HashSet<FileId>();
        for (var gi = 0; gi < _groups.Count; gi++)
        {
            var g = _groups[gi];
            foreach (var path in List(g))
            {
                if (FileStatus.Of(path) is not { IsRegular: true } st || !seen.Add(st.Id))
                {
                    continue;
                }

                if (_files.TryGetValue(st.Id, out var f))
                {
                    if (!string.Equals(f.Path, path, StringComparison.Ordinal))
                    {
                        _readerLogger.LogInformation("File renamed: {Old} -> {New}, inode: {Inode}, pos: {Pos}", f.Path, path, f.InodeText, f.Pos);
                        f.Path = path;
                    }

                    f.Group = gi;
                    f.Draining = false;
                }
                else
                {
                    f = new TailFile(st.Id, path, gi, initial && _skipToEnd ? st.Size : 0) { LastModified = st.ModifiedNanos, LastActivity = NowMs };
                    _files.Add(st.Id, f);
                    if (!initial)
                    {
                        _readerLogger.LogInformation("New file: {Path}, inode: {Inode}", path, f.InodeText);
                    }
                }
            }
        }

        foreach (var f in _files.Values)
        {
            if (seen.Contains(f.Id) || f.Draining)
            {
                continue;
            }

            f.Draining = true;
            var dir = Path.GetDirectoryName(f.Path)!;
            if (FindById(dir, f.Id) is { } moved)
            {
                _readerLogger.LogInformation("File renamed: {Old} -> {New} (no longer matches; read to its end), inode: {Inode}, pos: {Pos}", f.Path, moved, f.InodeText, f.Pos);
                f.Path = moved;
            }
            else
            {
                _readerLogger.LogInformation("File removed: {Path} (read to its end), inode: {Inode}, pos: {Pos}", f.Path, f.InodeText, f.Pos);
            }
        }
    }

    private List<string> List(FileGroup g)
    {
        var now = NowMs;
        var dirStat = FileStatus.Of(g.Directory);
        var mtime = dirStat?.ModifiedNanos ?? long.MinValue;

        // The directory's mtime changes when a name in it is added, removed or renamed; re-list anyway once a second in
        // case the file system's timestamps are coarse.
        if (_cachePatternMatching && mtime == g.ListedMtime && now - g.ListedAt < 1000)
        {
            return g.Listed;
        }

        var listed = new List<string>();
        try
        {
            foreach (var path in Directory.EnumerateFiles(g.Directory))
            {
                if (g.Regex.IsMatch(Path.GetFileName(path)))
                {
                    listed.Add(path);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Cannot list directory {Dir} of file group {Group}: {Message}", g.Directory, g.Name, ex.Message);
        }

        g.Listed = listed;
        g.ListedMtime = mtime;
        g.ListedAt = now;
        return listed;
    }

    private static string? FindById(string dir, FileId id)
    {
        try
        {
            foreach (var path in Directory.EnumerateFiles(dir))
            {
                if (FileStatus.Of(path) is { } st && st.Id == id)
                {
                    return path;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return null;
    }

    /// <summary>Reads what is new in one file, batch by batch, committing each; closes it when idle, forgets it when drained.</summary>
    private TailOutcome TailOne(TailFile f, ref bool cutShort)
    {
        var now = NowMs;
        FileStatus? st;
        try
        {
            st = f.IsOpen ? FileStatus.Of(f.Handle!) : FileStatus.Of(f.Path);
            if (st is not { } s || (!f.IsOpen && s.Id != f.Id))
            {
                // Closed and gone (or its name now belongs to another file): nothing left that could be read.
                if (f.Draining || st is null)
                {
                    Forget(f);
                }

                return TailOutcome.Nothing;
            }

            if (s.Size != f.LastSize || s.ModifiedNanos != f.LastModified)
            {
                f.LastSize = s.Size;
                f.LastModified = s.ModifiedNanos;
                f.LastActivity = now;
            }

            if (s.Size < f.Pos)
            {
                _readerLogger.LogWarning("Pos {Pos} is larger than file size! Restarting from pos 0, file: {Path}, inode: {Inode}", f.Pos, f.Path, f.InodeText);
                f.SetPos(0);
                f.ResetBuffer();
            }

            if (!f.IsOpen)
            {
                if (s.Size == f.Pos)
                {
                    if (f.Draining)
                    {
                        Forget(f);
                    }

                    return TailOutcome.Nothing;
                }

                f.Open();
                f.LastActivity = now;
                _readerLogger.LogInformation("Opening file: {Path}, inode: {Inode}, pos: {Pos}", f.Path, f.InodeText, f.Pos);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _counter.AddEventReadFail();
            _readerLogger.LogError("Unable to read file {Path}: {Message}", f.Path, ex.Message);
            f.Close();
            return TailOutcome.Nothing;
        }

        var gone = f.Draining && st.Value.LinkCount == 0;
        var idle = now - f.LastActivity >= _idleTimeout;
        var final = f.Draining && (gone || idle);
        var outcome = TailOutcome.Nothing;
        for (long batches = 0; ; batches++)
        {
            if (batches >= _maxBatchCount)
            {
                cutShort = true;
                return outcome;
            }

            var group = _groups[f.Group];
            _batch.Clear();
            var end = f.ReadLines(BatchSize, final, (line, offset) => _batch.Add(MakeEvent(line, offset, f, group)), out var count);
            if (count == 0)
            {
                break;
            }

            // The previous batch's position must be on disk before this batch can commit: a kill then repeats at most
            // one committed batch. Its write overlapped with reading this one.
            WaitForPositionWrite();
            if (!Put(f))
            {
                return TailOutcome.ChannelFailed;
            }

            f.SetPos(end);
            WritePositions(background: true);
            outcome = TailOutcome.Progressed;
            if (count < BatchSize)
            {
                break;
            }
        }

        if (final)
        {
            _readerLogger.LogInformation("Closed file: {Path}, inode: {Inode}, pos: {Pos}", f.Path, f.InodeText, f.Pos);
            Forget(f);
        }
        else if (idle && outcome == TailOutcome.Nothing)
        {
            _readerLogger.LogInformation("Closed file: {Path}, inode: {Inode}, pos: {Pos}", f.Path, f.InodeText, f.Pos);
            f.Close();
        }

        return outcome;
    }

    private Event MakeEvent(ReadOnlySpan<byte> line, long offset, TailFile f, FileGroup group)
    {
        if (group.Headers.Count == 0 && !_fileHeader && !_byteOffsetHeader)
        {
            return new Event(line.ToArray());
        }

        var headers = new Dictionary<string, string>(group.Headers, StringComparer.Ordinal);
        if (_fileHeader)
        {
            headers[_fileHeaderKey] = f.Path;
        }

        if (_byteOffsetHeader)
        {
            headers["byteoffset"] = offset.ToString(CultureInfo.InvariantCulture);
        }

        return new Event(headers, line.ToArray());
    }

    /// <summary>One channel put of the current batch; false when the channel refused it (nothing was committed).</summary>
    private bool Put(TailFile f)
    {
        _counter.AddEventReceived(_batch.Count);
        _counter.AddAppendBatchReceived();
        try
        {
            Processor.ProcessEventBatch(_batch);
        }
        catch (ChannelException ex)
        {
            _counter.AddChannelWriteFail();
            _readerLogger.LogDebug("Put of {Count} lines of {Path} failed: {Message}", _batch.Count, f.Path, ex.Message);
            return false;
        }

        _counter.AddEventAccepted(_batch.Count);
        _counter.AddAppendBatchAccepted();
        if (_retrying)
        {
            _retrying = false;
            _retryMs = 1000;
        }

        return true;
    }

    private async ValueTask<SourceStatus> BackOffAfterChannelFailureAsync(CancellationToken cancellationToken)
    {
        _logger.LogWarning("The channel is full or unexpected failure. The source will try again after {Ms} ms", _retryMs);
        var wait = _retryMs;
        _retryMs = Math.Min(_retryMs * 2, _maxBackoffSleep);
        _retrying = true;
        await Task.Delay(TimeSpan.FromMilliseconds(wait), _time, cancellationToken).ConfigureAwait(false);
        _readerLogger.LogInformation("Last read was never committed - resetting position");
        return SourceStatus.Backoff;
    }

    private void Forget(TailFile f)
    {
        f.Dispose();
        _files.Remove(f.Id);
        WritePositions();
    }

    /// <summary>
    /// Applies the saved positions: an entry whose inode is followed (under its old or a new name) sets that file's
    /// position; an entry whose inode is found under a name that no longer matches is followed to its end; files with no
    /// entry keep the start position chosen by the listing (0, or the end with skipToEnd). A missing or unreadable
    /// position file is one WARN.
    /// </summary>
    private void LoadPositions()
    {
        List<PositionEntry> entries;
        try
        {
            entries = PositionFile.Parse(PositionFile.Read(_positionFile));
        }
        catch (FileNotFoundException)
        {
            _logger.LogWarning("Position file {Path} not found: every file starts at its {Where} (skipToEnd = {Skip})", _positionFile, _skipToEnd ? "end" : "beginning", _skipToEnd ? "true" : "false");
            return;
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Failed loading positionFile: {Path} ({Message}): every file starts at its {Where} (skipToEnd = {Skip})", _positionFile, ex.Message, _skipToEnd ? "end" : "beginning", _skipToEnd ? "true" : "false");
            return;
        }

        foreach (var e in entries)
        {
            var dir = Path.GetDirectoryName(e.File);
            var device = dir is null ? null : FileStatus.Of(dir)?.Id.Device;
            var f = _files.Values.FirstOrDefault(t => t.Id.Inode == e.Inode && (device is null || t.Id.Device == device));
            if (f is null && dir is not null && device is { } dev && FindById(dir, new FileId(dev, e.Inode)) is { } path
                && FileStatus.Of(path) is { } st)
            {
                f = new TailFile(st.Id, path, GroupOf(path), 0) { Draining = true, LastModified = st.ModifiedNanos, LastActivity = NowMs };
                _files.Add(st.Id, f);
            }

            if (f is null)
            {
                _readerLogger.LogInformation("Missing file: {Path}, inode: {Inode}, pos: {Pos}", e.File, e.Inode, e.Pos);
                continue;
            }

            f.SetPos(e.Pos);
            _readerLogger.LogInformation("Updated position, file: {Path}, inode: {Inode}, pos: {Pos}", f.Path, e.Inode, e.Pos);
        }
    }

    private int GroupOf(string path)
    {
        var dir = Path.GetDirectoryName(path);
        var i = _groups.FindIndex(g => string.Equals(g.Directory, dir, StringComparison.Ordinal));
        return Math.Max(0, i);
    }

    /// <summary>
    /// Saves every followed file's committed position (only when something changed since the last write). With
    /// <paramref name="background"/> the file is written on a pool thread while the poll goes on; any later write or
    /// commit first waits for it (<see cref="WaitForPositionWrite"/>), so writes never overlap and never lag by more
    /// than one batch.
    /// </summary>
    private void WritePositions(bool background = false)
    {
        var content = PositionFile.Format(_files.Values.Select(f => new PositionEntry(f.Id.Inode, f.Pos, f.Path)));
        _lastWriteTicks = _time.GetTimestamp();
        WaitForPositionWrite();
        if (content == _lastWritten)
        {
            return;
        }

        _lastWritten = content;
        if (background)
        {
            _positionWrite = Task.Run(() => WritePositionFile(content));
        }
        else
        {
            WritePositionFile(content);
        }
    }

    private void WaitForPositionWrite()
    {
        if (!_positionWrite.IsCompleted)
        {
            _positionWrite.GetAwaiter().GetResult();
        }
    }

    private void WritePositionFile(string content)
    {
        try
        {
            PositionFile.WriteAtomically(_positionFile, content);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _lastWritten = null;
            _counter.AddGenericProcessingFail();
            _logger.LogError("Failed writing positionFile {Path}: {Message}", _positionFile, ex.Message);
        }
    }
}
