namespace FlumeNet.Configuration;

/// <summary>Helpers that turn configuration mistakes into helpful messages.</summary>
public static class ConfigDiagnostics
{
    /// <summary>
    /// The candidate that <paramref name="unknown"/> most likely meant: a case-insensitive equal one first,
    /// else the closest by Damerau-Levenshtein (optimal string alignment, case-insensitive) distance, if
    /// that distance is at most max(2, length/3). Ties go to the earliest candidate. Null if none fits.
    /// </summary>
    public static string? Suggest(string unknown, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(unknown);
        ArgumentNullException.ThrowIfNull(candidates);
        var list = candidates.Where(c => !string.IsNullOrEmpty(c) && !string.Equals(c, unknown, StringComparison.Ordinal)).ToList();
        var same = list.FirstOrDefault(c => string.Equals(c, unknown, StringComparison.OrdinalIgnoreCase));
        if (same is not null)
        {
            return same;
        }

        int limit = Math.Max(2, unknown.Length / 3);
        string? best = null;
        int bestDistance = int.MaxValue;
        var u = unknown.ToLowerInvariant();
        foreach (var c in list)
        {
            if (Math.Abs(c.Length - unknown.Length) > limit)
            {
                continue;
            }

            int d = Distance(u, c.ToLowerInvariant());
            if (d <= limit && d < bestDistance)
            {
                best = c;
                bestDistance = d;
            }
        }

        return best;
    }

    /// <summary><c> (did you mean 'x'?)</c> or the empty string.</summary>
    public static string DidYouMean(string unknown, IEnumerable<string> candidates)
    {
        var s = Suggest(unknown, candidates);
        return s is null ? string.Empty : $" (did you mean '{s}'?)";
    }

    /// <summary>Damerau-Levenshtein distance, optimal string alignment variant (adjacent transposition = 1).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int v = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    v = Math.Min(v, d[i - 2, j - 2] + 1);
                }

                d[i, j] = v;
            }
        }

        return d[a.Length, b.Length];
    }

    /// <summary>
    /// After a component was built from <paramref name="ctx"/>: one warning per key nobody asked for
    /// (Flume ignores them silently), e.g.
    /// <c>a1.channels.c1.transactioncapacity: unknown key, ignored (did you mean 'transactionCapacity'?)</c>.
    /// </summary>
    public static IReadOnlyList<ConfigProblem> UnknownKeyProblems(ComponentContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var vocabulary = ctx.AskedKeys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var result = new List<ConfigProblem>();
        foreach (var key in ctx.UnaskedKeys())
        {
            result.Add(new ConfigProblem(ProblemSeverity.Warning, ctx.FullKey(key), "unknown key, ignored" + DidYouMean(key, vocabulary)));
        }

        return result;
    }

    /// <summary>
    /// Where a problem's key comes from, for messages (<c>file:line</c>): the entry with exactly that key,
    /// else the first entry under it (<c>key.</c>), else null (e.g. a missing key).
    /// </summary>
    public static string? Locate(ConfigProblem problem, IReadOnlyList<PropertyEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(entries);
        var exact = entries.FirstOrDefault(e => e.Key == problem.Key);
        if (exact is not null)
        {
            return exact.Location;
        }

        var prefix = problem.Key + ".";
        return entries.FirstOrDefault(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))?.Location;
    }
}
