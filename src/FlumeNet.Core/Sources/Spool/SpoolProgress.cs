using System.Text.Json;
using FlumeNet.Sources.Taildir;

namespace FlumeNet.Sources.Spool;

/// <summary>
/// How far the file being spooled has been committed: its path, identity, size and mtime when it was picked up, and the
/// byte offset after the last committed line. Kept in <c>&lt;trackerDir&gt;/.flumenet-progress.json</c>, replaced
/// atomically after every committed batch, so a restart after a kill resumes the file at the next uncommitted line.
/// </summary>
internal sealed record SpoolProgress(string File, FileId Id, long Size, long ModifiedNanos, long Pos)
{
    public const string FileName = ".flumenet-progress.json";

    /// <summary>Replaces the saved progress (see <see cref="PositionFile.WriteAtomically(string, byte[])"/>).</summary>
    public void Save(string path)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("file", File);
            w.WriteNumber("device", Id.Device);
            w.WriteNumber("inode", Id.Inode);
            w.WriteNumber("size", Size);
            w.WriteNumber("mtime", ModifiedNanos);
            w.WriteNumber("pos", Pos);
            w.WriteEndObject();
        }

        PositionFile.WriteAtomically(path, buffer.WrittenSpan.ToArray());
    }

    /// <summary>The saved progress, or null when there is none; throws <see cref="FormatException"/> when it is unreadable.</summary>
    public static SpoolProgress? Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = PositionFile.Read(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var r = doc.RootElement;
            return new SpoolProgress(
                r.GetProperty("file").GetString() ?? throw new FormatException("file is null"),
                new FileId(r.GetProperty("device").GetUInt64(), r.GetProperty("inode").GetUInt64()),
                r.GetProperty("size").GetInt64(),
                r.GetProperty("mtime").GetInt64(),
                r.GetProperty("pos").GetInt64());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException(ex.Message, ex);
        }
    }
}
