using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FlumeNet.Configuration;

namespace FlumeNet.Interceptors;

/// <summary>
/// Java <c>java.util.regex</c> patterns and replacement strings on .NET's <see cref="Regex"/>. The pattern is rewritten
/// where the two dialects read the same text differently (the list is in docs/compatibility.md, "Interceptors"):
/// possessive quantifiers, <c>\Q…\E</c>, ASCII-only <c>\d \w \s</c>, Java's <c>.</c> line terminators, <c>\h \v \R
/// \x{…}</c>, Java and POSIX <c>\p{…}</c> classes, <c>[a&amp;&amp;[^b]]</c>, the flags <c>u d U</c>. Stateless.
/// </summary>
internal static class JavaRegex
{
    private const string JavaLineTerminators = @"\n\r\u0085\u2028\u2029";

    /// <summary>Java's ASCII-only shorthands (and \h, \v): the class alone, and its members inside a class.</summary>
    private static readonly Dictionary<char, (string Alone, string InClass)> Shorthands = new()
    {
        ['d'] = ("[0-9]", "0-9"),
        ['D'] = ("[^0-9]", @"\D"),
        ['w'] = ("[a-zA-Z_0-9]", "a-zA-Z_0-9"),
        ['W'] = ("[^a-zA-Z_0-9]", @"\W"),
        ['s'] = (@"[ \t\n\x0B\f\r]", @" \t\n\x0B\f\r"),
        ['S'] = (@"[^ \t\n\x0B\f\r]", @"\S"),
        ['h'] = (@"[ \t\xA0\u1680\u180E\u2000-\u200A\u202F\u205F\u3000]", @" \t\xA0\u1680\u180E\u2000-\u200A\u202F\u205F\u3000"),
        ['v'] = (@"[\n\x0B\f\r\x85\u2028\u2029]", @"\n\x0B\f\r\x85\u2028\u2029"),
    };

    private static readonly Dictionary<string, string> PropertyClasses = new(StringComparer.Ordinal)
    {
        ["Lower"] = "a-z",
        ["Upper"] = "A-Z",
        ["ASCII"] = @"\x00-\x7F",
        ["Alpha"] = "a-zA-Z",
        ["Digit"] = "0-9",
        ["Alnum"] = "a-zA-Z0-9",
        ["Punct"] = @"!-/:-@\[-`{-~",
        ["Graph"] = @"!-~",
        ["Print"] = @" -~",
        ["Blank"] = @" \t",
        ["Cntrl"] = @"\x00-\x1F\x7F",
        ["XDigit"] = "0-9a-fA-F",
        ["Space"] = @" \t\n\x0B\f\r",
        ["javaLowerCase"] = @"\p{Ll}",
        ["javaUpperCase"] = @"\p{Lu}",
        ["javaTitleCase"] = @"\p{Lt}",
        ["javaDigit"] = @"\p{Nd}",
        ["javaLetter"] = @"\p{L}",
        ["javaLetterOrDigit"] = @"\p{L}\p{Nd}",
        ["javaAlphabetic"] = @"\p{L}\p{Nl}",
        ["javaWhitespace"] = @" \t\n\x0B\f\r\x1C-\x1F\u1680\u2000-\u2006\u2008-\u200A\u2028\u2029\u205F\u3000",
        ["javaSpaceChar"] = @"\p{Zs}\p{Zl}\p{Zp}",
        ["javaISOControl"] = @"\x00-\x1F\x7F-\x9F",
        ["IsAlphabetic"] = @"\p{L}\p{Nl}",
        ["IsLetter"] = @"\p{L}",
        ["IsDigit"] = @"\p{Nd}",
        ["IsWhite_Space"] = @"\s",
        ["IsPunctuation"] = @"\p{P}",
        ["IsUppercase"] = @"\p{Lu}",
        ["IsLowercase"] = @"\p{Ll}",
    };

    /// <summary>
    /// Compiles a Java pattern read from <paramref name="key"/>; a pattern that does not compile (in Java's syntax or
    /// after translation) is a configuration error naming the key, and the result is then null.
    /// </summary>
    public static Regex? Compile(ComponentContext ctx, string key, string pattern) => Compile(ctx, key, pattern, out _);

    /// <inheritdoc cref="Compile(ComponentContext, string, string)"/>
    /// <param name="groupNames">Java's named groups and their numbers (Java numbers every group left to right).</param>
    public static Regex? Compile(ComponentContext ctx, string key, string pattern, out IReadOnlyDictionary<string, int> groupNames)
    {
        groupNames = new Dictionary<string, int>();
        try
        {
            var translated = Translate(pattern, out var names);
            groupNames = names;
            return new Regex(translated, RegexOptions.CultureInvariant);
        }
        catch (ArgumentException ex)
        {
            ctx.Error(key, $"'{pattern}' is not a valid regular expression: {ex.Message}");
            return null;
        }
    }

    /// <summary>Rewrites a Java pattern into a .NET pattern that matches the same strings. Throws ArgumentException.</summary>
    public static string Translate(string pattern) => Translate(pattern, out _);

    /// <summary>
    /// As <see cref="Translate(string)"/>. Named groups become plain numbered groups (.NET would number them after the
    /// unnamed ones, Java numbers all groups left to right); <paramref name="groupNames"/> keeps their names.
    /// </summary>
    public static string Translate(string pattern, out Dictionary<string, int> groupNames)
    {
        groupNames = new Dictionary<string, int>(StringComparer.Ordinal);
        var groupCount = 0;
        var dotAll = Regex.IsMatch(pattern, @"\(\?[a-zA-Z]*s[a-zA-Z\-]*[:)]");
        var sb = new StringBuilder(pattern.Length + 16);
        var atomStarts = new Stack<int>(); // output index where each open group started
        int lastAtom = -1; // output index where the previous complete atom started
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            switch (c)
            {
                case '\\' when i + 2 < pattern.Length && pattern[i + 1] == 'k' && pattern[i + 2] == '<':
                {
                    int close = pattern.IndexOf('>', i + 3);
                    var name = close < 0 ? string.Empty : pattern[(i + 3)..close];
                    if (!groupNames.TryGetValue(name, out var number))
                    {
                        throw new ArgumentException($"named capturing group <{name}> does not exist");
                    }

                    lastAtom = sb.Length;
                    sb.Append(@"\k<").Append(number.ToString(CultureInfo.InvariantCulture)).Append('>');
                    i = close + 1;
                    continue;
                }

                case '\\':
                {
                    int start = sb.Length;
                    i = TranslateEscape(pattern, i, sb, inClass: false);
                    lastAtom = start;
                    continue;
                }

                case '[':
                {
                    int start = sb.Length;
                    i = TranslateClass(pattern, i, sb);
                    lastAtom = start;
                    continue;
                }

                case '(':
                {
                    atomStarts.Push(sb.Length);
                    var named = Regex.Match(pattern.Substring(i), @"^\(\?<([a-zA-Z][a-zA-Z0-9]*)>");
                    if (named.Success)
                    {
                        groupNames[named.Groups[1].Value] = ++groupCount;
                        sb.Append('(');
                        i += named.Length;
                    }
                    else
                    {
                        if (i + 1 >= pattern.Length || pattern[i + 1] != '?')
                        {
                            groupCount++;
                        }

                        i = TranslateGroupOpen(pattern, i, sb);
                    }

                    lastAtom = -1;
                    continue;
                }

                case ')':
                    sb.Append(')');
                    lastAtom = atomStarts.Count > 0 ? atomStarts.Pop() : -1;
                    i++;
                    continue;
                case '.':
                    lastAtom = sb.Length;
                    sb.Append(dotAll ? "." : "[^" + JavaLineTerminators + "]");
                    i++;
                    continue;
                case '*' or '+' or '?':
                case '{' when IsQuantifierBrace(pattern, i):
                {
                    int end = c == '{' ? pattern.IndexOf('}', i) + 1 : i + 1;
                    var quantifier = pattern[i..end];
                    if (end < pattern.Length && pattern[end] == '+' && lastAtom >= 0)
                    {
                        // Possessive: an atomic group around the quantified atom.
                        sb.Insert(lastAtom, "(?>").Append(quantifier).Append(')');
                        i = end + 1;
                    }
                    else
                    {
                        sb.Append(quantifier);
                        i = end;
                        if (i < pattern.Length && pattern[i] == '?')
                        {
                            sb.Append('?');
                            i++;
                        }
                    }

                    lastAtom = -1;
                    continue;
                }

                default:
                    lastAtom = sb.Length;
                    sb.Append(c);
                    i++;
                    continue;
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// A Java replacement string (<c>$1</c>, <c>${name}</c>, <c>\$</c> for a literal dollar) as .NET's, for a pattern
    /// with <paramref name="groups"/> numbered groups. Like Java, <c>$12</c> means group 12 only when it exists, else
    /// group 1 then "2". Throws ArgumentException for what Java rejects (a lone <c>$</c>, a missing group).
    /// </summary>
    public static string TranslateReplacement(string replacement, Regex regex, IReadOnlyDictionary<string, int>? groupNames = null)
    {
        var groups = regex.GetGroupNumbers().Max();
        var sb = new StringBuilder(replacement.Length + 8);
        int i = 0;
        while (i < replacement.Length)
        {
            char c = replacement[i];
            if (c == '\\')
            {
                if (i + 1 >= replacement.Length)
                {
                    throw new ArgumentException("character to be escaped is missing");
                }

                AppendLiteral(sb, replacement[i + 1]);
                i += 2;
            }
            else if (c == '$')
            {
                i++;
                if (i < replacement.Length && replacement[i] == '{')
                {
                    int close = replacement.IndexOf('}', i);
                    if (close < 0)
                    {
                        throw new ArgumentException("named capturing group is missing trailing '}'");
                    }

                    var name = replacement[(i + 1)..close];
                    if (groupNames is null || !groupNames.TryGetValue(name, out var number))
                    {
                        throw new ArgumentException($"No group with name {{{name}}}");
                    }

                    sb.Append("${").Append(number.ToString(CultureInfo.InvariantCulture)).Append('}');
                    i = close + 1;
                }
                else if (i < replacement.Length && char.IsAsciiDigit(replacement[i]))
                {
                    int n = replacement[i++] - '0';
                    if (n > groups)
                    {
                        throw new ArgumentException($"No group {n}");
                    }

                    while (i < replacement.Length && char.IsAsciiDigit(replacement[i]) && n * 10 + (replacement[i] - '0') <= groups)
                    {
                        n = n * 10 + (replacement[i++] - '0');
                    }

                    sb.Append("${").Append(n.ToString(CultureInfo.InvariantCulture)).Append('}');
                }
                else
                {
                    throw new ArgumentException("Illegal group reference");
                }
            }
            else
            {
                AppendLiteral(sb, c);
                i++;
            }
        }

        return sb.ToString();
    }

    private static void AppendLiteral(StringBuilder sb, char c) => sb.Append(c == '$' ? "$$" : c.ToString());

    private static bool IsQuantifierBrace(string p, int i) => Regex.IsMatch(p.AsSpan(i), @"^\{\d+(,\d*)?\}");

    private static int TranslateGroupOpen(string p, int i, StringBuilder sb)
    {
        // Inline flags "(?idmsuxU-idmsuxU)" or "(?flags:": drop the ones .NET lacks (u: .NET folds Unicode case
        // anyway; d: Unix lines; U: Unicode classes).
        var m = Regex.Match(p.Substring(i), @"^\(\?([idmsuxU]*)(?:-([idmsuxU]*))?([:)])");
        if (!m.Success)
        {
            sb.Append('(');
            return i + 1;
        }

        static string Keep(string flags) => new(flags.Where(f => f is 'i' or 'm' or 's' or 'x').ToArray());
        var on = Keep(m.Groups[1].Value);
        var off = Keep(m.Groups[2].Value);
        sb.Append("(?").Append(on);
        if (off.Length > 0)
        {
            sb.Append('-').Append(off);
        }

        if (on.Length == 0 && off.Length == 0 && m.Groups[3].Value == ")")
        {
            sb.Length -= 2; // nothing left: "(?)" is not valid .NET
            sb.Append("(?:)");
            return i + m.Length;
        }

        sb.Append(m.Groups[3].Value);
        return i + m.Length;
    }

    /// <summary>One escape starting at <paramref name="i"/> (the backslash); returns the index after it.</summary>
    private static int TranslateEscape(string p, int i, StringBuilder sb, bool inClass)
    {
        if (i + 1 >= p.Length)
        {
            throw new ArgumentException("Unexpected internal error: trailing backslash");
        }

        char e = p[i + 1];
        if (Shorthands.TryGetValue(e, out var shorthand))
        {
            sb.Append(inClass ? shorthand.InClass : shorthand.Alone);
            return i + 2;
        }

        switch (e)
        {
            case 'Q':
            {
                int end = p.IndexOf(@"\E", i + 2, StringComparison.Ordinal);
                var literal = end < 0 ? p[(i + 2)..] : p[(i + 2)..end];
                sb.Append(inClass ? EscapeInClass(literal) : Regex.Escape(literal));
                return end < 0 ? p.Length : end + 2;
            }

            case 'R' when !inClass:
                sb.Append(@"(?:\r\n|[\n\x0B\f\r\x85\u2028\u2029])");
                return i + 2;
            case 'Z' when !inClass:
                sb.Append(@"(?=(?:\r\n|[" + JavaLineTerminators + "])?\\z)");
                return i + 2;
            case 'x' when i + 2 < p.Length && p[i + 2] == '{':
            {
                int close = p.IndexOf('}', i + 3);
                if (close < 0 || !int.TryParse(p.AsSpan(i + 3, close - i - 3), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp) || cp > 0x10FFFF)
                {
                    throw new ArgumentException("Illegal hexadecimal escape sequence");
                }

                var text = char.ConvertFromUtf32(cp);
                sb.Append(inClass ? EscapeInClass(text) : Regex.Escape(text));
                return close + 1;
            }

            case 'p' or 'P' when i + 2 < p.Length && p[i + 2] == '{':
            {
                int close = p.IndexOf('}', i + 3);
                if (close < 0)
                {
                    throw new ArgumentException("Unclosed character family");
                }

                var name = p[(i + 3)..close];
                sb.Append(Property(name, negated: e == 'P', inClass));
                return close + 1;
            }

            default:
                sb.Append('\\').Append(e);
                return i + 2;
        }
    }

    private static string Wrap(string members, bool inClass) => inClass ? members : "[" + members + "]";

    private static string Property(string name, bool negated, bool inClass)
    {
        if (PropertyClasses.TryGetValue(name, out var members) || PropertyClasses.TryGetValue("Is" + name, out members))
        {
            if (!negated)
            {
                return Wrap(members, inClass);
            }

            if (inClass)
            {
                throw new ArgumentException($"\\P{{{name}}} inside a character class is not supported");
            }

            return "[^" + members + "]";
        }

        // Java accepts "IsLu"/"IsL" (category), "InGreek" (block), "Lu"; .NET: "Lu", "IsGreek".
        var mapped = name.StartsWith("In", StringComparison.Ordinal) ? "Is" + name[2..]
            : name.StartsWith("Is", StringComparison.Ordinal) && name.Length <= 4 ? name[2..]
            : name.StartsWith("general_category=", StringComparison.Ordinal) ? name["general_category=".Length..]
            : name;
        return (negated ? @"\P{" : @"\p{") + mapped + "}";
    }

    private static string EscapeInClass(string s)
    {
        var sb = new StringBuilder(s.Length * 2);
        foreach (var ch in s)
        {
            if (ch is '\\' or ']' or '[' or '^' or '-')
            {
                sb.Append('\\');
            }

            sb.Append(ch);
        }

        return sb.ToString();
    }

    /// <summary>A character class starting at <paramref name="i"/> (the '['); returns the index after its ']'.</summary>
    private static int TranslateClass(string p, int i, StringBuilder sb)
    {
        sb.Append('[');
        i++;
        if (i < p.Length && p[i] == '^')
        {
            sb.Append('^');
            i++;
        }

        bool first = true;
        while (i < p.Length)
        {
            char c = p[i];
            if (c == ']' && !first)
            {
                sb.Append(']');
                return i + 1;
            }

            first = false;
            if (c == '\\')
            {
                i = TranslateEscape(p, i, sb, inClass: true);
            }
            else if (c == '&' && i + 1 < p.Length && p[i + 1] == '&')
            {
                // Java intersection: only "X&&[^Y]" (subtraction) has a .NET form, "X-[Y]", and it must end the class.
                var m = Regex.Match(p.Substring(i), @"^&&\[\^([^\[\]]*)\]\]");
                if (!m.Success)
                {
                    throw new ArgumentException("character class intersection (&&) other than [x&&[^y]] is not supported");
                }

                var inner = new StringBuilder();
                TranslateClass("[" + m.Groups[1].Value + "]", 0, inner);
                sb.Append('-').Append(inner).Append(']');
                return i + m.Length;
            }
            else if (c == '[')
            {
                // Java union "[a-c[x-z]]": the nested members join the outer class.
                var inner = new StringBuilder();
                i = TranslateClass(p, i, inner);
                if (inner.Length > 1 && inner[1] == '^')
                {
                    throw new ArgumentException("a negated nested character class is not supported");
                }

                sb.Append(inner, 1, inner.Length - 2);
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }

        throw new ArgumentException("Unclosed character class");
    }
}
