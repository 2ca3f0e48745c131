using System.Text.RegularExpressions;

namespace FlumeNet.IntegrationTests.Harness;

/// <summary>Reads event bodies back from logger-sink console lines.</summary>
public static partial class LoggerLines
{
    /// <summary>
    /// The printable text of each <c>Event: { headers:… body: XX XX …  text }</c> line (the body's first
    /// maxBytesToLog bytes); use bodies that fit in it.
    /// </summary>
    public static IReadOnlyList<string> Bodies(IEnumerable<string> lines)
    {
        var result = new List<string>();
        foreach (var line in lines)
        {
            var m = EventLine().Match(line);
            if (m.Success)
            {
                var hex = m.Groups["hex"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var bytes = hex.Select(h => Convert.ToByte(h, 16)).ToArray();
                result.Add(System.Text.Encoding.UTF8.GetString(bytes));
            }
        }

        return result;
    }

    [GeneratedRegex(@"Event: \{ headers:\{.*?\} body: (?<hex>(?:[0-9A-F]{2} )+)")]
    private static partial Regex EventLine();
}
