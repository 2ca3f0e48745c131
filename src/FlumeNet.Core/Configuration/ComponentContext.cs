using System.Globalization;

namespace FlumeNet.Configuration;

/// <summary>
/// The properties of one component (keys relative to the component, e.g. <c>batchSize</c>) plus the
/// place to report problems. Every getter records the key it was asked for: after a component has
/// been built, the keys nobody asked for are the unknown ones (typos), and the asked keys are the
/// vocabulary for suggestions.
/// </summary>
public sealed class ComponentContext
{
    private readonly IReadOnlyDictionary<string, string> _properties;
    private readonly HashSet<string> _asked = new(StringComparer.Ordinal);
    private readonly HashSet<string> _askedPrefixes = new(StringComparer.Ordinal);

    public ComponentContext(string name, string keyPrefix, IReadOnlyDictionary<string, string> properties, List<ConfigProblem>? problems = null)
    {
        Name = name;
        KeyPrefix = keyPrefix;
        _properties = properties;
        Problems = problems ?? new List<ConfigProblem>();
    }

    /// <summary>The component's name (e.g. <c>k1</c>).</summary>
    public string Name { get; }

    /// <summary>Prefix that turns a relative key into the full key (e.g. <c>a1.sinks.k1.</c>).</summary>
    public string KeyPrefix { get; }

    public IReadOnlyDictionary<string, string> Properties => _properties;

    public List<ConfigProblem> Problems { get; }

    public IReadOnlySet<string> AskedKeys => _asked;

    public bool HasErrors => Problems.Any(p => p.Severity != ProblemSeverity.Warning);

    public string FullKey(string key) => KeyPrefix + key;

    public bool Contains(string key)
    {
        _asked.Add(key);
        return _properties.ContainsKey(key);
    }

    public string? GetString(string key, string? defaultValue = null)
    {
        _asked.Add(key);
        return _properties.TryGetValue(key, out var v) ? v : defaultValue;
    }

    /// <summary>A string that must be present and non-blank; records an error otherwise.</summary>
    public string GetRequiredString(string key)
    {
        var v = GetString(key);
        if (string.IsNullOrWhiteSpace(v))
        {
            Error(key, "is required");
            return string.Empty;
        }

        return v;
    }

    /// <summary>
    /// An integer the way Flume's Context.getInteger reads it: a value that is not a number is an error
    /// that drops the component (Flume throws NumberFormatException from configure()).
    /// </summary>
    public int GetInt(string key, int defaultValue) => (int)GetLongCore(key, defaultValue, int.MinValue, int.MaxValue, fallBack: false);

    public long GetLong(string key, long defaultValue) => GetLongCore(key, defaultValue, long.MinValue, long.MaxValue, fallBack: false);

    /// <summary>
    /// An integer for which Flume catches the parse failure and uses the default: a warning names the
    /// key, the text and the value used.
    /// </summary>
    public int GetIntOrDefault(string key, int defaultValue) => (int)GetLongCore(key, defaultValue, int.MinValue, int.MaxValue, fallBack: true);

    public long GetLongOrDefault(string key, long defaultValue) => GetLongCore(key, defaultValue, long.MinValue, long.MaxValue, fallBack: true);

    /// <summary>Java Boolean.valueOf: "true" in any case is true, anything else false.</summary>
    public bool GetBool(string key, bool defaultValue)
    {
        var v = GetString(key);
        if (v is null)
        {
            return defaultValue;
        }

        var t = JavaTrim(v);
        if (!t.Equals("true", StringComparison.OrdinalIgnoreCase) && !t.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            Warn(key, $"'{v}' is not true or false; using false (as Flume does){HashHint(v)}");
        }

        return t.Equals("true", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Keys under <paramref name="prefix"/> (e.g. <c>selector.</c>) with the prefix removed.</summary>
    public IReadOnlyDictionary<string, string> GetSubProperties(string prefix)
    {
        _askedPrefixes.Add(prefix);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in _properties)
        {
            if (k.StartsWith(prefix, StringComparison.Ordinal))
            {
                result[k[prefix.Length..]] = v;
            }
        }

        return result;
    }

    /// <summary>A context for the keys under <paramref name="prefix"/>, sharing this one's problem list.</summary>
    public ComponentContext Sub(string prefix, string name)
    {
        return new ComponentContext(name, KeyPrefix + prefix, GetSubProperties(prefix), Problems);
    }

    /// <summary>Marks keys as understood by the framework (type, channels, …) so they are not reported as unknown.</summary>
    public void MarkKnown(params string[] keys)
    {
        foreach (var k in keys)
        {
            _asked.Add(k);
        }
    }

    /// <summary>Keys that were never asked for (and are not under an asked prefix).</summary>
    public IEnumerable<string> UnaskedKeys() =>
        _properties.Keys.Where(k => !_asked.Contains(k) && !_askedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal)))
            .OrderBy(k => k, StringComparer.Ordinal);

    public void Warn(string key, string message) => Problems.Add(new ConfigProblem(ProblemSeverity.Warning, FullKey(key), message));

    public void Error(string key, string message) => Problems.Add(new ConfigProblem(ProblemSeverity.Error, FullKey(key), message));

    /// <summary>Java String.trim(): removes leading and trailing chars &lt;= U+0020.</summary>
    public static string JavaTrim(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && s[start] <= ' ')
        {
            start++;
        }

        while (end > start && s[end - 1] <= ' ')
        {
            end--;
        }

        return start == 0 && end == s.Length ? s : s[start..end];
    }

    internal static string HashHint(string value) =>
        value.Contains('#', StringComparison.Ordinal) ? " (a trailing '# ...' is part of the value in a properties file; put comments on their own line)" : string.Empty;

    private long GetLongCore(string key, long defaultValue, long min, long max, bool fallBack)
    {
        var v = GetString(key);
        if (v is null)
        {
            return defaultValue;
        }

        if (long.TryParse(JavaTrim(v), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        if (fallBack)
        {
            Warn(key, $"'{v}' is not a valid number; using the default {defaultValue}{HashHint(v)}");
        }
        else
        {
            Error(key, $"'{v}' is not a valid number{HashHint(v)}");
        }

        return defaultValue;
    }
}
