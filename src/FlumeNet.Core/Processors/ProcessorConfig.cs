using FlumeNet.Configuration;

namespace FlumeNet.Processors;

/// <summary>Helpers for reading and checking <c>processor.*</c> keys: suggestions for typos, group-level keys.</summary>
internal static class ProcessorConfig
{
    private const string ProcessorPrefix = "processor.";

    /// <summary>
    /// The full key of a group-level key (e.g. <c>a1.sinkgroups.g1.sinks</c>) derived from the processor
    /// context's prefix (<c>a1.sinkgroups.g1.processor.</c>).
    /// </summary>
    public static string GroupKey(ComponentContext ctx, string key)
    {
        var prefix = ctx.KeyPrefix;
        return prefix.EndsWith(ProcessorPrefix, StringComparison.Ordinal)
            ? prefix[..^ProcessorPrefix.Length] + key
            : prefix + key;
    }

    /// <summary>Records an error against a group-level key (the group is dropped).</summary>
    public static void GroupError(ComponentContext ctx, string key, string message) =>
        ctx.Problems.Add(new ConfigProblem(ProblemSeverity.Error, GroupKey(ctx, key), message));

    /// <summary>
    /// Warns about every key of the processor nobody asked for, suggesting the nearest known key.
    /// Call after all keys were read; <c>type</c> is the framework's.
    /// </summary>
    public static void WarnUnknownKeys(ComponentContext ctx, string processorKind, IEnumerable<string> vocabulary)
    {
        ctx.MarkKnown("type");
        var known = vocabulary.ToArray();
        foreach (var key in ctx.UnaskedKeys().ToArray())
        {
            var near = Nearest(key, known);
            var hint = near is not null
                ? $"did you mean {ProcessorPrefix}{near}?"
                : known.Length == 0
                ? $"a {processorKind} processor has no keys besides {ProcessorPrefix}type"
                : $"known keys: {string.Join(", ", known.Select(k => ProcessorPrefix + k))}";
            ctx.Warn(key, $"is not a {processorKind} processor key; ignored ({hint})");
        }
    }

    /// <summary>The candidate closest to <paramref name="input"/> (case-insensitive), or null if none is close.</summary>
    public static string? Nearest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Levenshtein(input, c);
            if (d < bestDistance)
            {
                best = c;
                bestDistance = d;
            }
        }

        return best is not null && IsClose(input, best, bestDistance) ? best : null;
    }

    /// <summary>Close enough to be a typo: at most a third of the longer string, and at most 3 edits.</summary>
    public static bool IsClose(string a, string b, int distance) =>
        distance <= Math.Min(3, Math.Max(1, Math.Max(a.Length, b.Length) / 3));

    /// <summary>Edit distance (insert, delete, substitute), case-insensitive.</summary>
    public static int Levenshtein(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>Runs a processor's validation and throws when it recorded errors (the context-taking constructors use it).</summary>
    public static T ValidateOrThrow<T>(IReadOnlyList<ISink> sinks, ComponentContext ctx, Func<IReadOnlyList<string>, T> validate)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentNullException.ThrowIfNull(ctx);
        var before = ctx.Problems.Count;
        var settings = validate(sinks.Select(s => s.Name).ToArray());
        var errors = ctx.Problems.Skip(before).Where(p => p.Severity != ProblemSeverity.Warning).ToArray();
        if (errors.Length > 0)
        {
            throw new ConfigurationException(string.Join("; ", errors.Select(e => e.ToString())));
        }

        return settings;
    }
}
