using System.Text;
using FlumeNet.Configuration;

namespace FlumeNet.Interceptors;

/// <summary>
/// A Joda-Time / <c>SimpleDateFormat</c> pattern as a .NET custom date format for parsing: letters
/// y M d H h k m s S a E Z and quoted literals. Other letters are a configuration error naming the key.
/// </summary>
internal static class JodaPattern
{
    public static string ToDotNet(ComponentContext ctx, string key, string pattern)
    {
        var sb = new StringBuilder();
        foreach (var (c, n, literal) in JavaDateFormat.Tokens(pattern))
        {
            if (c == '\0')
            {
                foreach (var ch in literal)
                {
                    sb.Append('\\').Append(ch);
                }

                continue;
            }

            var mapped = c switch
            {
                'y' or 'Y' or 'u' => n == 2 ? "yy" : "yyyy",
                'M' => n switch { >= 4 => "MMMM", 3 => "MMM", 2 => "MM", _ => "%M" },
                'd' => n >= 2 ? "dd" : "%d",
                'H' or 'k' => n >= 2 ? "HH" : "%H",
                'h' or 'K' => n >= 2 ? "hh" : "%h",
                'm' => n >= 2 ? "mm" : "%m",
                's' => n >= 2 ? "ss" : "%s",
                'S' => new string('f', Math.Min(n, 7)),
                'a' => "tt",
                'E' => n >= 4 ? "dddd" : "ddd",
                'Z' or 'z' => "zzz",
                _ => null,
            };
            if (mapped is null)
            {
                ctx.Error(key, $"'{pattern}': the pattern letter '{c}' is not supported");
                return "O";
            }

            sb.Append(mapped);
        }

        return sb.ToString();
    }
}
