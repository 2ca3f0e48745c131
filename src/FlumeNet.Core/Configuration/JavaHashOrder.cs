namespace FlumeNet.Configuration;

/// <summary>
/// Iteration order of a Java <c>HashMap</c>/<c>HashSet</c> of strings (spec Appendix A), for the places
/// where Flume's observable behaviour depends on it (e.g. the logger sink's header order).
/// </summary>
public static class JavaHashOrder
{
    /// <summary>Java <c>String.hashCode()</c> over UTF-16 code units, 32-bit wrap-around.</summary>
    public static int HashCode(string s)
    {
        int h = 0;
        foreach (char c in s)
        {
            h = unchecked((31 * h) + c);
        }

        return h;
    }

    /// <summary>HashMap.hash: h XOR (h &gt;&gt;&gt; 16).</summary>
    public static int Spread(string s)
    {
        int h = HashCode(s);
        return h ^ (int)((uint)h >> 16);
    }

    /// <summary>Table capacity of a map grown by inserting <paramref name="count"/> distinct keys (load factor 0.75).</summary>
    public static int GrownCapacity(int count)
    {
        int cap = 16;
        while (count > cap * 3 / 4)
        {
            cap *= 2;
        }

        return cap;
    }

    /// <summary>
    /// Table capacity of a HashSet/HashMap copied from a collection of <paramref name="count"/> elements:
    /// tableSizeFor(max(floor(n/0.75)+1, 16)).
    /// </summary>
    public static int CopiedCapacity(int count)
    {
        int wanted = Math.Max((int)(count / 0.75f) + 1, 16);
        int cap = 1;
        while (cap < wanted)
        {
            cap *= 2;
        }

        return cap;
    }

    /// <summary>
    /// The order a HashMap iterates <paramref name="keys"/> inserted in the given order (duplicates keep
    /// their first position). <paramref name="copied"/>: the map was built by copying a collection
    /// (<c>new HashSet&lt;&gt;(list)</c>), which sizes the table differently.
    /// </summary>
    public static IReadOnlyList<string> Order(IEnumerable<string> keys, bool copied = false)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var distinct = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var k in keys)
        {
            if (seen.Add(k))
            {
                distinct.Add(k);
            }
        }

        int cap = copied ? CopiedCapacity(distinct.Count) : GrownCapacity(distinct.Count);
        // OrderBy is stable: within one bucket, insertion order (Java's resize keeps relative order).
        return distinct.OrderBy(k => Spread(k) & (cap - 1)).ToList();
    }
}
