using System.Globalization;
using System.Text;

namespace FlumeNet.Sources.Syslog;

/// <summary>
/// The line parser of <c>multiport_syslogtcp</c> (spec syslog.md §5), distinct from <see cref="SyslogParser"/>:
/// headers <c>Priority</c>, <c>Version</c>, <c>Facility</c>, <c>Severity</c>, <c>timestamp</c> (UTC), <c>host</c>.
/// Stateless and thread-safe.
/// </summary>
internal static class MultiportSyslogParser
{
    private const int Rfc3164Length = 15;
    private const int Rfc5424PrefixLength = 19;

    /// <summary>The headers and body of one decoded line, or null when the line is not syslog (an Invalid event).</summary>
    public static Event? Parse(string msg, Encoding charset, SyslogKeepFields keep, DateTimeOffset now)
    {
        int len = msg.Length;
        if (len == 0 || msg[0] != '<')
        {
            return null;
        }

        int end = msg.IndexOf('>', StringComparison.Ordinal);
        if (end <= 0 || end > 6)
        {
            return null;
        }

        var priority = msg[1..end];
        if (!int.TryParse(priority, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var pri) || len <= end + 1)
        {
            return null;
        }

        var headers = new Dictionary<string, string>(8)
        {
            ["Priority"] = priority,
            ["Facility"] = (pri / 8).ToString(CultureInfo.InvariantCulture),
            ["Severity"] = (pri % 8).ToString(CultureInfo.InvariantCulture),
        };
        int pos = end + 1;
        string? version = null;
        if (len > pos + 2 && msg[pos] == '1' && msg[pos + 1] == ' ')
        {
            version = "1";
            headers["Version"] = version;
            pos += 2;
        }

        string stamp;
        long ts;
        char first = msg[pos];
        if (first == '-')
        {
            if (len <= pos + 2)
            {
                return null;
            }

            stamp = "-";
            ts = now.ToUnixTimeMilliseconds();
            pos += 2;
        }
        else if (first is >= 'A' and <= 'Z')
        {
            if (len <= pos + Rfc3164Length)
            {
                return null;
            }

            stamp = msg.Substring(pos, Rfc3164Length);
            ts = ParseRfc3164(stamp, now);
            pos += Rfc3164Length + 1;
        }
        else
        {
            int space = msg.IndexOf(' ', pos);
            if (space < 0)
            {
                return null;
            }

            stamp = msg[pos..space];
            if (ParseRfc5424(stamp) is not { } parsed)
            {
                return null;
            }

            ts = parsed;
            pos = space + 1;
        }

        headers["timestamp"] = ts.ToString(CultureInfo.InvariantCulture);
        int hostEnd = pos <= len ? msg.IndexOf(' ', pos) : -1;
        if (hostEnd < 0)
        {
            return null;
        }

        var host = msg[pos..hostEnd];
        headers["host"] = host;
        var data = len > hostEnd + 1 && !keep.All
            ? keep.Prefix(msg[(hostEnd + 1)..], priority, version, stamp, host)
            : msg;
        return new Event(headers, charset.GetBytes(data));
    }

    /// <summary>
    /// <c>MMM d HH:mm:ss</c> in UTC; the current year when within a month of now, else 1999 (ahead) or 2001 (behind)
    /// as Flume computes it; 0 when unparsable.
    /// </summary>
    internal static long ParseRfc3164(string stamp, DateTimeOffset now)
    {
        var text = stamp;
        int twoSpaces = text.IndexOf("  ", StringComparison.Ordinal);
        if (twoSpaces >= 0)
        {
            text = text.Remove(twoSpaces, 1);
        }

        // Parsed without a year, Flume's date lands in the leap year 2000.
        if (!DateTime.TryParseExact("2000 " + text, "yyyy MMM d HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
        {
            return 0;
        }

        var nowUtc = now.UtcDateTime;
        var day = Math.Min(date.Day, DateTime.DaysInMonth(nowUtc.Year, date.Month));
        var fixedDate = new DateTime(nowUtc.Year, date.Month, day, date.Hour, date.Minute, date.Second, DateTimeKind.Utc);
        if (fixedDate > nowUtc && fixedDate.AddMonths(-1) > nowUtc)
        {
            fixedDate = date.AddYears(-1);
        }
        else if (fixedDate < nowUtc && fixedDate.AddMonths(1) < nowUtc)
        {
            fixedDate = date.AddYears(1);
        }

        return new DateTimeOffset(DateTime.SpecifyKind(fixedDate, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
    }

    /// <summary>
    /// RFC 5424 stamp: <c>yyyy-MM-ddTHH:mm:ss</c> as UTC, optional fraction scaled to ms, then <c>Z</c> or
    /// <c>±HH:MM</c> (another character = UTC). Null for what Flume rejects or throws on.
    /// </summary>
    internal static long? ParseRfc5424(string stamp)
    {
        int len = stamp.Length;
        if (len <= Rfc5424PrefixLength
            || !DateTime.TryParseExact(stamp[..Rfc5424PrefixLength], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
        {
            return null;
        }

        long ts = new DateTimeOffset(DateTime.SpecifyKind(date, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        int pos = Rfc5424PrefixLength;
        if (stamp[pos] == '.')
        {
            int endDigits = pos + 1;
            while (endDigits < len && char.IsAsciiDigit(stamp[endDigits]))
            {
                endDigits++;
            }

            int digits = endDigits - (pos + 1);
            if (digits == 0 || endDigits >= len)
            {
                return null; // no digits, or no zone after them (Flume throws there)
            }

            var frac = stamp.AsSpan(pos + 1, Math.Min(digits, 9));
            long ms = long.Parse(frac, NumberStyles.None, CultureInfo.InvariantCulture);
            int scale = Math.Min(digits, 9) - 3;
            for (; scale > 0; scale--)
            {
                ms /= 10;
            }

            for (; scale < 0; scale++)
            {
                ms *= 10;
            }

            ts += ms;
            pos = endDigits;
        }

        char tz = stamp[pos];
        if (tz is '+' or '-')
        {
            if (len <= pos + 5)
            {
                return null;
            }

            var h = stamp.AsSpan(pos + 1, 5);
            if (!(char.IsAsciiDigit(h[0]) && char.IsAsciiDigit(h[1]) && h[2] == ':' && char.IsAsciiDigit(h[3]) && char.IsAsciiDigit(h[4])))
            {
                return null;
            }

            int sign = tz == '+' ? 1 : -1;
            ts -= sign * (((h[0] - '0') * 600) + ((h[1] - '0') * 60) + ((h[3] - '0') * 10) + (h[4] - '0')) * 60_000L;
        }

        return ts;
    }
}
