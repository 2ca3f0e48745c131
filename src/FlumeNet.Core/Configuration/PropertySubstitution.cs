using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace FlumeNet.Configuration;

/// <summary>
/// <c>${...}</c> substitution on values (spec §2), modelled on Commons Text <c>StringSubstitutor</c> with an
/// interpolator lookup: <c>env:</c>, <c>sys:</c>, <c>java:</c>, <c>date:</c>; no prefix, an unknown prefix, or a
/// prefixed lookup that found nothing looks the (prefix-stripped) name up as a key of the same property
/// set. <c>${a:-b}</c> default, <c>$${x}</c> escape, nested names, recursive values.
/// Deliberate difference: <c>${key}</c> resolves regardless of the order keys are processed in (Flume
/// only resolves keys already processed in Java HashMap order). A value whose resolution meets a cycle is left
/// entirely unsubstituted and reported as a warning (Commons Text throws, which aborts Flume's start-up).
/// </summary>
public static class PropertySubstitution
{
    private const string ValueDelimiter = ":-";

    /// <summary>
    /// Substitutes every value; keys are never substituted. Values are Java-trimmed again afterwards, as
    /// Flume trims after substitution. <paramref name="problems"/> receives cycle warnings.
    /// </summary>
    public static IReadOnlyList<PropertyEntry> Apply(IReadOnlyList<PropertyEntry> entries, ConfigurationEnvironment environment, List<ConfigProblem>? problems = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(environment);
        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            raw[e.Key] = e.Value;
        }

        var result = new List<PropertyEntry>(entries.Count);
        foreach (var e in entries)
        {
            if (!e.Value.Contains("${", StringComparison.Ordinal))
            {
                result.Add(e);
                continue;
            }

            var cycles = new List<string>();
            var value = Substitute(e.Value, name => raw.TryGetValue(name, out var v) ? v : null, environment, cycles);
            if (cycles.Count > 0)
            {
                // The whole value stays as written (Commons Text would throw and abort Flume's start-up).
                problems?.Add(new ConfigProblem(ProblemSeverity.Warning, e.Key, $"circular reference through ${{{cycles[0]}}}; value '{e.Value}' left unsubstituted"));
                result.Add(e);
                continue;
            }

            result.Add(e with { Value = ComponentContext.JavaTrim(value) });
        }

        return result;
    }

    /// <summary>Substitutes one text, looking unprefixed names up with <paramref name="properties"/>.</summary>
    public static string Substitute(string text, Func<string, string?> properties, ConfigurationEnvironment environment, List<string>? cycles = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Substitutor(properties, environment, cycles ?? new List<string>()).Run(text, new List<string>());
    }

    private sealed class Substitutor(Func<string, string?> properties, ConfigurationEnvironment environment, List<string> cycles)
    {
        public string Run(string s, List<string> prior)
        {
            if (!s.Contains("${", StringComparison.Ordinal))
            {
                return s;
            }

            var sb = new StringBuilder(s.Length);
            int i = 0;
            while (i < s.Length)
            {
                if (s[i] != '$' || i + 1 >= s.Length || s[i + 1] != '{')
                {
                    sb.Append(s[i++]);
                    continue;
                }

                // "$${" : the '$' before the prefix escapes it; scanning continues after "${".
                if (i > 0 && s[i - 1] == '$' && sb.Length > 0 && sb[^1] == '$')
                {
                    sb.Length--;
                    sb.Append("${");
                    i += 2;
                    continue;
                }

                int end = FindEnd(s, i + 2);
                if (end < 0)
                {
                    sb.Append(s, i, s.Length - i);
                    break;
                }

                var expr = Run(s[(i + 2)..end], prior);
                string name = expr;
                string? defaultValue = null;
                int d = expr.IndexOf(ValueDelimiter, StringComparison.Ordinal);
                if (d >= 0)
                {
                    name = expr[..d];
                    defaultValue = expr[(d + ValueDelimiter.Length)..];
                }

                if (prior.Contains(name, StringComparer.Ordinal))
                {
                    cycles.Add(name);
                    sb.Append(s, i, end + 1 - i);
                    i = end + 1;
                    continue;
                }

                var value = Lookup(name) ?? defaultValue;
                if (value is null)
                {
                    sb.Append(s, i, end + 1 - i);
                }
                else
                {
                    prior.Add(name);
                    sb.Append(Run(value, prior));
                    prior.RemoveAt(prior.Count - 1);
                }

                i = end + 1;
            }

            return sb.ToString();
        }

        /// <summary>Index of the '}' closing a "${" whose body starts at <paramref name="from"/>; nested "${" counted.</summary>
        private static int FindEnd(string s, int from)
        {
            int depth = 0;
            for (int j = from; j < s.Length; j++)
            {
                if (s[j] == '$' && j + 1 < s.Length && s[j + 1] == '{')
                {
                    depth++;
                    j++;
                }
                else if (s[j] == '}')
                {
                    if (depth == 0)
                    {
                        return j;
                    }

                    depth--;
                }
            }

            return -1;
        }

        private string? Lookup(string name)
        {
            int colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                var prefix = name[..colon].ToLowerInvariant();
                var rest = name[(colon + 1)..];
                var value = prefix switch
                {
                    "env" => environment.Env(rest),
                    "sys" => environment.Sys(rest),
                    "java" => JavaLookup(rest),
                    "date" => JavaDateFormat.Format(environment.Now, rest),
                    _ => null,
                };
                if (value is not null)
                {
                    return value;
                }

                name = rest;
            }

            return properties(name);
        }

        /// <summary>Minimal Commons Text "java" lookup: describes the .NET runtime instead of a JVM.</summary>
        private static string? JavaLookup(string key) => key switch
        {
            "version" => $"Java version {Environment.Version}",
            "runtime" => RuntimeInformation.FrameworkDescription,
            "vm" => RuntimeInformation.FrameworkDescription,
            "os" => RuntimeInformation.OSDescription,
            "hardware" => $"processors: {Environment.ProcessorCount}, architecture: {RuntimeInformation.OSArchitecture}",
            "locale" => $"default locale: {CultureInfo.CurrentCulture.Name}",
            _ => null,
        };
    }
}
