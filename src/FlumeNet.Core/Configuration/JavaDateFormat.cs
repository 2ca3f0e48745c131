using System.Globalization;
using System.Text;

namespace FlumeNet.Configuration;

/// <summary>
/// A minimal Java <c>SimpleDateFormat</c> for <c>${date:pattern}</c>: letters y M d H h k K m s S E a Z X
/// and quoted literals ('' is a quote). Other letters are copied literally (Java would reject them).
/// </summary>
internal static class JavaDateFormat
{
    public static string Format(DateTimeOffset t, string pattern)
    {
        var sb = new StringBuilder();
        foreach (var (letter, count, literal) in Tokens(pattern))
        {
            sb.Append(letter == '\0' ? literal : Field(t, letter, count));
        }

        return sb.ToString();
    }

    /// <summary>
    /// The pattern as pieces: literal text (<c>Letter</c> = '\0'; quoted text, <c>''</c> as a quote, non-letters) or a
    /// run of <c>Count</c> equal ASCII letters.
    /// </summary>
    internal static IEnumerable<(char Letter, int Count, string Literal)> Tokens(string pattern)
    {
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            if (c == '\'')
            {
                int close = pattern.IndexOf('\'', i + 1);
                if (close == i + 1)
                {
                    yield return ('\0', 0, "'");
                    i += 2;
                    continue;
                }

                if (close < 0)
                {
                    close = pattern.Length;
                }

                yield return ('\0', 0, pattern.Substring(i + 1, close - i - 1));
                i = close + 1;
                continue;
            }

            if (!char.IsAsciiLetter(c))
            {
                yield return ('\0', 0, c.ToString());
                i++;
                continue;
            }

            int n = 1;
            while (i + n < pattern.Length && pattern[i + n] == c)
            {
                n++;
            }

            yield return (c, n, string.Empty);
            i += n;
        }
    }

    private static string Field(DateTimeOffset t, char c, int n)
    {
        var inv = CultureInfo.InvariantCulture;
        return c switch
        {
            'y' => n == 2 ? (t.Year % 100).ToString("00", inv) : t.Year.ToString(new string('0', n), inv),
            'M' => n switch
            {
                >= 4 => t.ToString("MMMM", inv),
                3 => t.ToString("MMM", inv),
                _ => t.Month.ToString(new string('0', n), inv),
            },
            'd' => t.Day.ToString(new string('0', n), inv),
            'H' => t.Hour.ToString(new string('0', n), inv),
            'k' => (t.Hour == 0 ? 24 : t.Hour).ToString(new string('0', n), inv),
            'K' => (t.Hour % 12).ToString(new string('0', n), inv),
            'h' => (t.Hour % 12 == 0 ? 12 : t.Hour % 12).ToString(new string('0', n), inv),
            'm' => t.Minute.ToString(new string('0', n), inv),
            's' => t.Second.ToString(new string('0', n), inv),
            'S' => t.Millisecond.ToString(new string('0', n), inv),
            'E' => n >= 4 ? t.ToString("dddd", inv) : t.ToString("ddd", inv),
            'a' => t.Hour < 12 ? "AM" : "PM",
            'Z' => t.ToString("zzz", inv).Replace(":", string.Empty, StringComparison.Ordinal),
            'X' => t.Offset == TimeSpan.Zero ? "Z" : n >= 3 ? t.ToString("zzz", inv) : t.ToString("zzz", inv).Replace(":", string.Empty, StringComparison.Ordinal),
            _ => new string(c, n),
        };
    }
}
