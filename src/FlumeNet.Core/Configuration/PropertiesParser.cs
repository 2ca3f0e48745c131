using System.Text;

namespace FlumeNet.Configuration;

/// <summary>
/// The grammar of <c>java.util.Properties.load(InputStream)</c> (spec configuration.md §1): bytes are
/// ISO-8859-1, logical lines are joined by odd trailing backslashes, keys and values are split and
/// unescaped, the last duplicate wins, and finally keys and values are Java-trimmed (§1.8).
/// </summary>
public static class PropertiesParser
{
    /// <summary>Reads and parses a file. I/O errors propagate.</summary>
    public static IReadOnlyList<PropertyEntry> ParseFile(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses the raw bytes of a properties file (each byte is one ISO-8859-1 character).</summary>
    public static IReadOnlyList<PropertyEntry> Parse(ReadOnlySpan<byte> bytes, string file)
    {
        return Parse(Encoding.Latin1.GetString(bytes), file);
    }

    /// <summary>
    /// Parses text that is already characters (as if every char were one Latin-1 byte). The result is in
    /// file order of the first occurrence of each key; a later duplicate replaces the value and line.
    /// </summary>
    public static IReadOnlyList<PropertyEntry> Parse(string text, string file)
    {
        var result = new List<PropertyEntry>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var reader = new LineReader(text);
        while (reader.ReadLogicalLine(out var line, out var lineNumber))
        {
            var (rawKey, rawValue) = SplitKeyValue(line, file, lineNumber);
            var key = ComponentContext.JavaTrim(rawKey);
            var value = ComponentContext.JavaTrim(rawValue);
            var entry = new PropertyEntry(key, value, file, lineNumber);
            if (index.TryGetValue(key, out var at))
            {
                result[at] = entry;
            }
            else
            {
                index[key] = result.Count;
                result.Add(entry);
            }
        }

        return result;
    }

    private static bool IsWhitespace(char c) => c == ' ' || c == '\t' || c == '\f';

    /// <summary>§1.3: key up to the first unescaped separator; then at most one '=' or ':' amid whitespace.</summary>
    private static (string Key, string Value) SplitKeyValue(string line, string file, int lineNumber)
    {
        int limit = line.Length;
        int keyLen = 0;
        int valueStart = limit;
        bool hasSep = false;
        bool precedingBackslash = false;
        while (keyLen < limit)
        {
            char c = line[keyLen];
            if ((c == '=' || c == ':') && !precedingBackslash)
            {
                valueStart = keyLen + 1;
                hasSep = true;
                break;
            }

            if (IsWhitespace(c) && !precedingBackslash)
            {
                valueStart = keyLen + 1;
                break;
            }

            precedingBackslash = c == '\\' && !precedingBackslash;
            keyLen++;
        }

        while (valueStart < limit)
        {
            char c = line[valueStart];
            if (!IsWhitespace(c))
            {
                if (!hasSep && (c == '=' || c == ':'))
                {
                    hasSep = true;
                }
                else
                {
                    break;
                }
            }

            valueStart++;
        }

        return (Unescape(line, 0, keyLen, file, lineNumber), Unescape(line, valueStart, limit - valueStart, file, lineNumber));
    }

    /// <summary>§1.4 escapes. A lone backslash at the very end is dropped.</summary>
    private static string Unescape(string s, int start, int length, string file, int lineNumber)
    {
        int end = start + length;
        if (s.AsSpan(start, length).IndexOf('\\') < 0)
        {
            return s.Substring(start, length);
        }

        var sb = new StringBuilder(length);
        int i = start;
        while (i < end)
        {
            char c = s[i++];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (i >= end)
            {
                break;
            }

            c = s[i++];
            switch (c)
            {
                case 'u':
                    if (i > end - 4)
                    {
                        throw new PropertiesFormatException(file, lineNumber, "Malformed \\uxxxx encoding.");
                    }

                    int value = 0;
                    for (int k = 0; k < 4; k++)
                    {
                        int d = HexValue(s[i++]);
                        if (d < 0)
                        {
                            throw new PropertiesFormatException(file, lineNumber, "Malformed \\uxxxx encoding.");
                        }

                        value = (value << 4) | d;
                    }

                    sb.Append((char)value);
                    break;
                case 't':
                    sb.Append('\t');
                    break;
                case 'n':
                    sb.Append('\n');
                    break;
                case 'r':
                    sb.Append('\r');
                    break;
                case 'f':
                    sb.Append('\f');
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// Java's Properties.LineReader: yields logical lines (comments and blank lines skipped, continuations
    /// joined) and the natural line number each one starts on.
    /// </summary>
    private sealed class LineReader
    {
        private readonly string _text;
        private int _pos;
        private int _line = 1;

        public LineReader(string text) => _text = text;

        public bool ReadLogicalLine(out string line, out int startLine)
        {
            var sb = new StringBuilder();
            startLine = _line;
            bool skipWhitespace = true;
            bool appendedLineBegin = false;
            bool isNewLine = true;
            bool isCommentLine = false;
            bool precedingBackslash = false;

            while (true)
            {
                if (_pos >= _text.Length)
                {
                    // EOF: a pending line ends here; a trailing odd backslash is dropped.
                    if (sb.Length == 0 || isCommentLine)
                    {
                        line = string.Empty;
                        return false;
                    }

                    if (precedingBackslash)
                    {
                        sb.Length--;
                    }

                    line = sb.ToString();
                    return true;
                }

                char c = _text[_pos++];
                if (skipWhitespace)
                {
                    if (IsWhitespace(c))
                    {
                        continue;
                    }

                    if (!appendedLineBegin && (c == '\r' || c == '\n'))
                    {
                        ConsumeTerminator(c);
                        startLine = _line;
                        continue;
                    }

                    skipWhitespace = false;
                    appendedLineBegin = false;
                }

                if (isNewLine)
                {
                    isNewLine = false;
                    if (c == '#' || c == '!')
                    {
                        // A comment runs to the end of the natural line and never continues.
                        isCommentLine = true;
                        while (_pos < _text.Length && _text[_pos] != '\r' && _text[_pos] != '\n')
                        {
                            _pos++;
                        }

                        continue;
                    }
                }

                if (c != '\n' && c != '\r')
                {
                    sb.Append(c);
                    precedingBackslash = c == '\\' && !precedingBackslash;
                    continue;
                }

                ConsumeTerminator(c);
                if (isCommentLine || sb.Length == 0)
                {
                    isCommentLine = false;
                    isNewLine = true;
                    skipWhitespace = true;
                    sb.Clear();
                    startLine = _line;
                    continue;
                }

                if (precedingBackslash)
                {
                    sb.Length--;
                    skipWhitespace = true;
                    appendedLineBegin = true;
                    precedingBackslash = false;
                    continue;
                }

                line = sb.ToString();
                return true;
            }
        }

        /// <summary>Counts one natural line; a CR immediately followed by LF is one terminator.</summary>
        private void ConsumeTerminator(char c)
        {
            _line++;
            if (c == '\r' && _pos < _text.Length && _text[_pos] == '\n')
            {
                _pos++;
            }
        }
    }
}
