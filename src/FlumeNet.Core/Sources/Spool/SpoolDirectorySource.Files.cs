using System.Text;
using System.Text.Unicode;
using FlumeNet.Sources.Spool;
using FlumeNet.Sources.Taildir;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources;

/// <summary>spooldir: choosing, reading, completing and resuming files.</summary>
internal sealed partial class SpoolDirectorySource
{
    private long _badOffset = -1;
    private string? _badReason;

    /// <summary>Re-opens the file a previous run was reading, at the offset after its last committed line.</summary>
    private void Resume()
    {
        SpoolProgress? p;
        try
        {
            p = SpoolProgress.Load(ProgressPath);
        }
        catch (FormatException ex)
        {
            _logger.LogWarning("Ignoring unreadable progress file {Path}: {Message}", ProgressPath, ex.Message);
            return;
        }

        if (p is null || FileStatus.Of(p.File) is not { } st || st.Id != p.Id)
        {
            return;
        }

        var file = new TailFile(p.Id, p.File, 0, 0) { StripCr = false };
        file.Open();
        file.SetPos(Math.Min(p.Pos, st.Size));
        _current = new Current(file, new FileStatus(p.Id, p.Size, p.ModifiedNanos, 1, true, false));
        _readerLogger.LogInformation("Resuming {Path} at byte {Pos} (committed before the last stop)", p.File, file.Pos);
    }

    private Current? PickNext()
    {
        var candidates = new List<(string Path, FileStatus Status)>();
        Walk(_spoolDir, candidates);
        while (candidates.Count > 0)
        {
            var i = _order switch
            {
                ConsumeOrder.Random => Random.Shared.Next(candidates.Count),
                ConsumeOrder.Youngest => IndexOfBest(candidates, youngest: true),
                _ => IndexOfBest(candidates, youngest: false),
            };
            var (path, st) = candidates[i];
            candidates.RemoveAt(i);
            if (!_deleteImmediately && !_trackerDirPolicy && File.Exists(path + _suffix))
            {
                _failed.Add(path);
                _logger.LogError("File name has been re-used with different files. Spooling assumptions violated for {Path}: {Done} already exists; {Path} is left as it is, the other files go on", path + _suffix, path + _suffix, path);
                continue;
            }

            var file = new TailFile(st.Id, path, 0, 0) { StripCr = false };
            file.Open();
            _readerLogger.LogInformation("Opening file: {Path}", path);
            return new Current(file, st);
        }

        return null;
    }

    private static int IndexOfBest(List<(string Path, FileStatus Status)> c, bool youngest)
    {
        var best = 0;
        for (var i = 1; i < c.Count; i++)
        {
            var cmp = c[i].Status.ModifiedNanos.CompareTo(c[best].Status.ModifiedNanos);
            if (youngest)
            {
                cmp = -cmp;
            }

            if (cmp < 0 || (cmp == 0 && string.CompareOrdinal(c[i].Path, c[best].Path) < 0))
            {
                best = i;
            }
        }

        return best;
    }

    private void Walk(string dir, List<(string Path, FileStatus Status)> into)
    {
        foreach (var path in Directory.EnumerateFiles(dir))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.') || (_suffix.Length > 0 && name.EndsWith(_suffix, StringComparison.Ordinal))
                || !_include.IsMatch(name) || _ignore.IsMatch(name) || _failed.Contains(path)
                || (_trackerDirPolicy && File.Exists(TrackerMarker(path))))
            {
                continue;
            }

            if (FileStatus.Of(path) is { IsRegular: true } st)
            {
                into.Add((path, st));
            }
        }

        if (!_recursive)
        {
            return;
        }

        foreach (var sub in Directory.EnumerateDirectories(dir))
        {
            if (!Path.GetFileName(sub).StartsWith('.') && !string.Equals(Path.GetFullPath(sub), Path.GetFullPath(_trackerDir), StringComparison.Ordinal))
            {
                Walk(sub, into);
            }
        }
    }

    private string TrackerMarker(string path) => Path.Combine(_trackerDir, Path.GetRelativePath(_spoolDir, path) + _suffix);

    /// <summary>
    /// Cuts the next batch of lines from the current file into events. False when the file cannot be decoded
    /// (<c>decodeErrorPolicy = FAIL</c>) from its very next line: it is then given up. When a bad line comes later in
    /// the batch, the batch stops before it (that part is delivered first).
    /// </summary>
    private bool ReadBatch(Current c, out int lines, out bool atEnd)
    {
        _batch.Clear();
        _badOffset = -1;
        var end = c.File.ReadLines(BatchSize, includePartial: true, (line, offset) => AddLine(line, offset, c), out lines);
        atEnd = lines < BatchSize;
        if (_badOffset < 0)
        {
            c.PendingEnd = end;
            return true;
        }

        c.PendingEnd = _badOffset;
        atEnd = false;
        if (_batch.Count > 0)
        {
            return true;
        }

        _counter.AddEventReadFail();
        _logger.LogError("Cannot decode {Path} at byte {Offset} as {Charset} (decodeErrorPolicy = FAIL): {Reason}; the rest of the file is left unread and it is not completed, the other files go on", c.File.Path, _badOffset, _input.WebName, _badReason);
        return false;
    }

    private void AddLine(ReadOnlySpan<byte> line, long offset, Current c)
    {
        if (_badOffset >= 0)
        {
            return;
        }

        Dictionary<string, string>? headers = null;
        if (_fileHeader || _basenameHeader)
        {
            headers = new Dictionary<string, string>(StringComparer.Ordinal);
            if (_fileHeader)
            {
                headers[_fileHeaderKey] = c.File.Path;
            }

            if (_basenameHeader)
            {
                headers[_basenameHeaderKey] = Path.GetFileName(c.File.Path);
            }
        }

        if (_utf8Through && line.Length <= _maxLineLength && Utf8.IsValid(line))
        {
            _batch.Add(new Event(headers, line.ToArray()));
            return;
        }

        string text;
        try
        {
            text = _input.GetString(line);
        }
        catch (DecoderFallbackException ex)
        {
            _badOffset = offset;
            _badReason = ex.Message;
            return;
        }

        if (text.Length <= _maxLineLength)
        {
            _batch.Add(new Event(headers, _output.GetBytes(text)));
            return;
        }

        _logger.LogWarning("Line length exceeds max ({Max}), truncating line! ({Path}, byte {Offset})", _maxLineLength, c.File.Path, offset);
        for (var i = 0; i < text.Length; i += _maxLineLength)
        {
            var chunk = text.AsSpan(i, Math.Min(_maxLineLength, text.Length - i));
            _batch.Add(new Event(headers is null ? null : new Dictionary<string, string>(headers, StringComparer.Ordinal), _output.GetBytes(chunk.ToArray())));
        }
    }

    private bool Put()
    {
        _counter.AddEventReceived(_batch.Count);
        _counter.AddAppendBatchReceived();
        try
        {
            Processor.ProcessEventBatch(_batch);
        }
        catch (ChannelException)
        {
            _counter.AddChannelWriteFail();
            return false;
        }

        _counter.AddEventAccepted(_batch.Count);
        _counter.AddAppendBatchAccepted();
        return true;
    }

    /// <summary>The whole file is committed: check it did not change, then rename, delete or record it.</summary>
    private void Complete(Current c)
    {
        var path = c.File.Path;
        if (_badOffset >= 0)
        {
            return;
        }

        SaveProgress(c);
        var now = FileStatus.Of(c.File.Handle!);
        if (now is not { } st || st.Size != c.PickedUp.Size || st.ModifiedNanos != c.PickedUp.ModifiedNanos)
        {
            _counter.AddEventReadFail();
            _logger.LogError("File has been modified since being read: {Path} (size {Before} -> {After}); it is left in place and not completed, the other files go on", path, c.PickedUp.Size, now?.Size);
            _failed.Add(path);
            Drop();
            return;
        }

        c.File.Close();
        if (_deleteImmediately)
        {
            _readerLogger.LogInformation("Preparing to delete file {Path}", path);
            File.Delete(path);
        }
        else if (_trackerDirPolicy)
        {
            var marker = TrackerMarker(path);
            Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
            File.WriteAllBytes(marker, []);
        }
        else
        {
            var dest = path + _suffix;
            _readerLogger.LogInformation("Preparing to move file {Path} to {Dest}", path, dest);
            try
            {
                File.Move(path, dest, overwrite: false);
            }
            catch (IOException) when (File.Exists(dest))
            {
                _logger.LogError("File name has been re-used with different files. Spooling assumptions violated for {Dest}; {Path} is left as it is, the other files go on", dest, path);
                _failed.Add(path);
            }
        }

        Drop();
    }

    private void SaveProgress(Current c)
    {
        try
        {
            new SpoolProgress(c.File.Path, c.File.Id, c.PickedUp.Size, c.PickedUp.ModifiedNanos, c.File.Pos).Save(ProgressPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _counter.AddGenericProcessingFail();
            _logger.LogError("Failed writing progress file {Path}: {Message}", ProgressPath, ex.Message);
        }
    }

    /// <summary>Closes the current file and forgets its progress (it was completed or given up).</summary>
    private void Drop()
    {
        _current?.File.Dispose();
        _current = null;
        try
        {
            File.Delete(ProgressPath);
            File.Delete(ProgressPath + ".tmp");
        }
        catch (IOException)
        {
        }
    }
}
