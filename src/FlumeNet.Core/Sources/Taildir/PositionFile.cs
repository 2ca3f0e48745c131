using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FlumeNet.Sources.Taildir;

/// <summary>One entry of the position file: the next unread byte of the file with this inode, last seen at this path.</summary>
internal readonly record struct PositionEntry(ulong Inode, long Pos, string File);

/// <summary>
/// Flume's TAILDIR position file: one JSON array, no whitespace, keys in the order inode, pos, file, e.g.
/// <c>[{"inode":2496275,"pos":1623,"file":"/var/log/app.log"}]</c>. Strings are escaped the way Gson does (quotes,
/// backslash, control characters, and <c>&lt; &gt; &amp; = '</c> as <c>\u003c</c> ...), non-ASCII written as UTF-8.
/// An empty file means "no entries". Written to a temporary file and renamed over the old one, so a reader (or a crash)
/// sees either the old or the new content.
/// </summary>
internal static class PositionFile
{
    /// <summary>The text Flume would write for these entries (an empty string when there are none).</summary>
    public static string Format(IEnumerable<PositionEntry> entries)
    {
        var sb = new StringBuilder();
        foreach (var e in entries)
        {
            sb.Append(sb.Length == 0 ? "[" : ",");
            sb.Append("{\"inode\":").Append(e.Inode.ToString(CultureInfo.InvariantCulture))
              .Append(",\"pos\":").Append(e.Pos.ToString(CultureInfo.InvariantCulture))
              .Append(",\"file\":");
            AppendString(sb, e.File);
            sb.Append('}');
        }

        if (sb.Length > 0)
        {
            sb.Append(']');
        }

        return sb.ToString();
    }

    /// <summary>
    /// Writes <paramref name="content"/> to a new <c>path.tmp</c>, removes <paramref name="path"/> and renames the temporary
    /// file to it. Removing first keeps ext4 from flushing the new file's data at the rename (what it does when a rename
    /// replaces a file), which made every write cost hundreds of microseconds. A crash between the two steps leaves only
    /// the complete <c>path.tmp</c>, which <see cref="Read"/> falls back to.
    /// </summary>
    public static void WriteAtomically(string path, string content) => WriteAtomically(path, Encoding.UTF8.GetBytes(content));

    /// <inheritdoc cref="WriteAtomically(string, string)"/>
    public static void WriteAtomically(string path, byte[] content)
    {
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, content);
        File.Delete(path);
        File.Move(tmp, path);
    }

    /// <summary>
    /// The bytes of the file written by <see cref="WriteAtomically(string, byte[])"/>: <paramref name="path"/>, or its complete
    /// <c>.tmp</c> when a crash came between removing the old file and renaming the new one. Throws
    /// <see cref="FileNotFoundException"/> when neither exists.
    /// </summary>
    public static byte[] Read(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException) when (File.Exists(path + ".tmp"))
        {
            return File.ReadAllBytes(path + ".tmp");
        }
    }

    /// <summary>
    /// Parses the content of a position file. An empty (or blank) file has no entries. Throws
    /// <see cref="FormatException"/> naming the problem when the text is not an array of complete entries.
    /// </summary>
    public static List<PositionEntry> Parse(ReadOnlySpan<byte> utf8)
    {
        var result = new List<PositionEntry>();
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            return result;
        }

        try
        {
            using var doc = JsonDocument.Parse(utf8.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("not a JSON array");
            }

            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("inode", out var inode) || inode.ValueKind != JsonValueKind.Number || !inode.TryGetUInt64(out var ino)
                    || !item.TryGetProperty("pos", out var pos) || pos.ValueKind != JsonValueKind.Number || !pos.TryGetInt64(out var p) || p < 0
                    || !item.TryGetProperty("file", out var file) || file.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException($"entry {item.GetRawText()} lacks a valid inode, pos or file");
                }

                result.Add(new PositionEntry(ino, p, file.GetString()!));
            }
        }
        catch (JsonException ex)
        {
            throw new FormatException(ex.Message, ex);
        }

        return result;
    }

    private static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\f': sb.Append("\\f"); break;
                case '<' or '>' or '&' or '=' or '\'' or '\u2028' or '\u2029':
                case < ' ':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: sb.Append(c); break;
            }
        }

        sb.Append('"');
    }
}
