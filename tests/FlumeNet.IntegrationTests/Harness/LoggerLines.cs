using System.Text.RegularExpressions;

namespace FlumeNet.IntegrationTests.Harness;

/// <summary>Reads event bodies back from logger-sink console lines.</summary>
public static partial class LoggerLines
{
    /// <summary>
    /// The printable text of each <c>Event: { headers:… body: XX XX …  text }</c> line (the body's first
    /// maxBytesToLog bytes); use bodies that fit in it. Bodies longer than 16 bytes are dumped like Flume's
    /// <c>EventHelper.dumpEvent</c>, in rows of 16 bytes on the following lines (<c>00000010 XX XX … text</c>);
    /// those rows are decoded too.
    /// </summary>
    public static IReadOnlyList<string> Bodies(IEnumerable<string> lines)
    {
        var result = new List<string>();
        List<byte>? current = null;
        foreach (var line in lines)
        {
            if (current is not null)
            {
                var row = ContinuationRow().Match(line);
                if (row.Success)
                {
                    AddHex(current, row.Groups["hex"].Value);
                    continue;
                }

                result.Add(System.Text.Encoding.UTF8.GetString(current.ToArray()));
                current = null;
            }

            var m = EventLine().Match(line);
            if (m.Success)
            {
                current = new List<byte>(16);
                AddHex(current, m.Groups["hex"].Value);
            }
        }

        if (current is not null)
        {
            result.Add(System.Text.Encoding.UTF8.GetString(current.ToArray()));
        }

        return result;
    }

    private static void AddHex(List<byte> into, string hex)
    {
        foreach (var h in hex.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            into.Add(Convert.ToByte(h, 16));
        }
    }

    [GeneratedRegex(@"Event: \{ headers:\{.*?\} body: (?<hex>(?:[0-9A-F]{2} )+)")]
    private static partial Regex EventLine();

    [GeneratedRegex(@"^[0-9A-F]{8} (?<hex>(?:[0-9A-F]{2} )+)")]
    private static partial Regex ContinuationRow();
}
