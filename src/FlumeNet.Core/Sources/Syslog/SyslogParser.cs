using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace FlumeNet.Sources.Syslog;

/// <summary>
/// The syslog line parser of <c>syslogtcp</c> and <c>syslogudp</c> (spec syslog.md §4): a byte state machine that
/// frames lines (START → PRI → DATA), then the RFC 5424 and RFC 3164 patterns for the header fields.
/// One instance holds the state of one TCP connection or of one UDP source; it is not thread-safe (one reader).
/// Like Flume, <c>priority</c>/<c>version</c> survive from one line to the next (§4.5).
/// </summary>
internal sealed partial class SyslogParser
{
    public const string StatusHeader = "flume.syslog.status";
    public const int MinEventSize = 10;

    private readonly int _maxSize;
    private readonly SyslogKeepFields _keep;
    private readonly TimeProvider _time;
    private readonly TimeZoneInfo _zone;
    private readonly bool _udp;
    private readonly MemoryStream _raw;
    private readonly StringBuilder _prio = new(4);
    private Mode _mode = Mode.Start;
    private bool _bad;
    private bool _incomplete;

    // Remembered across lines on purpose (Flume only overwrites them on a match).
    private string? _priority;
    private string? _version;

    public SyslogParser(int eventSize, SyslogKeepFields keep, bool udp, TimeProvider time, TimeZoneInfo? zone = null)
    {
        _maxSize = Math.Max(MinEventSize, eventSize);
        _keep = keep;
        _udp = udp;
        _time = time;
        _zone = zone ?? TimeZoneInfo.Local;
        _raw = new MemoryStream(Math.Min(_maxSize, 4096));
    }

    private enum Mode
    {
        Start,
        Pri,
        Data,
    }

    /// <summary>What one built line looked like, for the caller's log lines.</summary>
    public readonly record struct Built(Event Event, bool Invalid, bool Incomplete);

    public int EventSize => _maxSize;

    /// <summary>
    /// TCP: consumes <paramref name="data"/>, adding one event per complete line (or per <c>eventSize</c> bytes) to
    /// <paramref name="output"/>. Bytes of an unfinished line stay buffered for the next call.
    /// </summary>
    public void Feed(ReadOnlySpan<byte> data, List<Built> output)
    {
        foreach (var b in data)
        {
            if (Step(b) is { } built)
            {
                output.Add(built);
            }
        }
    }

    /// <summary>
    /// UDP: the event of one datagram: leading <c>\n</c>s skipped, ends at the next <c>\n</c> or the datagram end.
    /// Throws <see cref="FormatException"/> for a datagram without any PRI digit or data (Flume's NumberFormatException).
    /// </summary>
    public Built ParseDatagram(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (Step(b) is { } built)
            {
                return built;
            }
        }

        return Build();
    }

    private Built? Step(byte b)
    {
        switch (_mode)
        {
            case Mode.Start:
                if (b == (byte)'<')
                {
                    _raw.WriteByte(b);
                    _mode = Mode.Pri;
                }
                else if (b != (byte)'\n')
                {
                    _bad = true;
                    _raw.WriteByte(b);
                    _mode = Mode.Data;
                }

                return null;
            case Mode.Pri:
                _raw.WriteByte(b);
                if (b == (byte)'>')
                {
                    _bad |= _prio.Length == 0;
                    _mode = Mode.Data;
                }
                else
                {
                    _prio.Append((char)b);
                    if (!char.IsAsciiDigit((char)b) || _prio.Length > 3)
                    {
                        _bad = true;
                        _mode = Mode.Data;
                    }
                }

                return null;
            default:
                if (b == (byte)'\n')
                {
                    return Build();
                }

                _raw.WriteByte(b);
                if (!_udp && _raw.Length == _maxSize)
                {
                    _incomplete = true;
                    return Build();
                }

                return null;
        }
    }

    private Built Build()
    {
        try
        {
            int pri = 0;
            string? timestamp = null;
            string? host = null;
            string? msg = null;
            var raw = _raw.ToArray();
            if (!_bad)
            {
                if (_prio.Length == 0)
                {
                    throw new FormatException("For input string: \"\"");
                }

                pri = int.Parse(_prio.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);
                (timestamp, host, msg) = FormatHeaders(raw);
            }

            var headers = new Dictionary<string, string>(8)
            {
                ["Facility"] = (pri / 8).ToString(CultureInfo.InvariantCulture),
                ["Severity"] = (pri % 8).ToString(CultureInfo.InvariantCulture),
            };
            if (!string.IsNullOrEmpty(_priority))
            {
                headers["priority"] = _priority;
            }

            if (!string.IsNullOrEmpty(_version))
            {
                headers["version"] = _version;
            }

            if (!string.IsNullOrEmpty(timestamp))
            {
                headers["timestamp"] = timestamp;
            }

            if (!string.IsNullOrEmpty(host))
            {
                headers["host"] = host;
            }

            if (_bad)
            {
                headers[StatusHeader] = "Invalid";
            }
            else if (_incomplete)
            {
                headers[StatusHeader] = "Incomplete";
            }

            var body = !_keep.All && !string.IsNullOrEmpty(msg) ? Encoding.UTF8.GetBytes(msg) : raw;
            return new Built(new Event(headers, body), _bad, !_bad && _incomplete);
        }
        finally
        {
            _raw.SetLength(0);
            _prio.Clear();
            _mode = Mode.Start;
            _bad = false;
            _incomplete = false;
        }
    }

    /// <summary>Patterns tried in order; the first whole-line match sets the fields (§4.3).</summary>
    private (string? Timestamp, string? Host, string? Msg) FormatHeaders(byte[] raw)
    {
        // Decoding as Java's String(byte[]) does: malformed input becomes U+FFFD.
        var line = Encoding.UTF8.GetString(raw);
        var m = Rfc5424().Match(line);
        bool rfc3164 = false;
        if (!m.Success)
        {
            m = Rfc3164().Match(line);
            rfc3164 = true;
            if (!m.Success)
            {
                return (null, null, null);
            }
        }

        _priority = m.Groups[1].Value;
        _version = m.Groups[2].Success ? m.Groups[2].Value : null;
        string? rawStamp = m.Groups[3].Success ? m.Groups[3].Value : null;
        string? host = m.Groups[4].Success ? m.Groups[4].Value : null;
        long? ts = rawStamp is null ? null : rfc3164 ? ParseRfc3164(rawStamp) : ParseRfc5424(rawStamp);
        var msg = _keep.Prefix(m.Groups[5].Value, _priority, _version, rawStamp ?? "null", host ?? "null");
        return (ts?.ToString(CultureInfo.InvariantCulture), host, msg);
    }

    /// <summary>
    /// Flume's reading of an RFC 5424 stamp (§4.4): with a fraction the zone is ignored and the fraction digits (at
    /// most 3) are an integer of milliseconds in local time; without a fraction a zone is honoured, none = local.
    /// </summary>
    internal long? ParseRfc5424(string stamp)
    {
        // yyyy-MM-ddTHH:mm:ss is guaranteed by the pattern.
        int y = Num(stamp, 0, 4), mo = Num(stamp, 5, 2), d = Num(stamp, 8, 2);
        int h = Num(stamp, 11, 2), mi = Num(stamp, 14, 2), s = Num(stamp, 17, 2);
        var rest = stamp.AsSpan(19);
        if (rest.Length > 1 && rest[0] == '.')
        {
            int digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            int ms = Num(stamp, 20, Math.Min(3, digits - 1));
            return Local(y, mo, d, h, mi, s, ms);
        }

        if (rest.Length == 0)
        {
            return Local(y, mo, d, h, mi, s, 0);
        }

        int offsetMinutes = 0;
        if (rest[0] != 'Z')
        {
            int sign = rest[0] == '-' ? -1 : 1;
            offsetMinutes = sign * ((Num(stamp, 20, 2) * 60) + Num(stamp, 23, 2));
        }

        var wall = Lenient(y, mo, d, h, mi, s, 0);
        return wall is null ? null : (long)(wall.Value - DateTime.UnixEpoch).TotalMilliseconds - (offsetMinutes * 60_000L);
    }

    /// <summary>
    /// RFC 3164 (§4.4): current UTC year, local zone, then one year back when more than a month ahead of now, one
    /// year forward when more than eleven months behind. Unknown month names give no timestamp.
    /// </summary>
    internal long? ParseRfc3164(string stamp)
    {
        var month = Array.IndexOf(Months, stamp[..3].ToLowerInvariant()) + 1;
        if (month == 0)
        {
            return null;
        }

        var parts = stamp[3..].Split([' ', '\t', '\n', '\v', '\f', '\r', ':'], StringSplitOptions.RemoveEmptyEntries);
        int year = _time.GetUtcNow().Year;
        var wall = Lenient(year, month, int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture), 0);
        if (wall is null)
        {
            return null;
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var parsed = wall.Value;
        if (ToEpoch(parsed) > now && ToEpoch(parsed.AddMonths(-1)) > now)
        {
            parsed = parsed.AddYears(-1);
        }
        else if (ToEpoch(parsed) < now && ToEpoch(parsed.AddMonths(11)) < now)
        {
            parsed = parsed.AddYears(1);
        }

        return ToEpoch(parsed);
    }

    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    private long? Local(int y, int mo, int d, int h, int mi, int s, int ms)
    {
        var wall = Lenient(y, mo, d, h, mi, s, ms);
        return wall is null ? null : ToEpoch(wall.Value);
    }

    private long ToEpoch(DateTime wall) =>
        (long)(wall - DateTime.UnixEpoch).TotalMilliseconds - (long)_zone.GetUtcOffset(DateTime.SpecifyKind(wall, DateTimeKind.Unspecified)).TotalMilliseconds;

    /// <summary>A Java lenient calendar: out-of-range fields roll over (Feb 30 → Mar 2, hour 25 → next day).</summary>
    private static DateTime? Lenient(int y, int mo, int d, int h, int mi, int s, int ms)
    {
        try
        {
            return new DateTime(y, 1, 1, 0, 0, 0, DateTimeKind.Unspecified)
                .AddMonths(mo - 1).AddDays(d - 1).AddHours(h).AddMinutes(mi).AddSeconds(s).AddMilliseconds(ms);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static int Num(string s, int start, int length) => int.Parse(s.AsSpan(start, length), NumberStyles.None, CultureInfo.InvariantCulture);

    // Java's ASCII \d \w \s and '.' (any but \r \n U+0085 U+2028 U+2029); .NET's own classes are Unicode-wide.
    private const string Ws = @"[ \t\n\x0B\f\r]";
    private const string Host = @"[A-Za-z0-9_][A-Za-z0-9_.@-]*";
    private const string Msg = @"([^\r\n\u0085\u2028\u2029]*)";

    [GeneratedRegex(@"^<([0-9]{1,3})>(?:([0-9]?)" + Ws + @"?)(?:([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:[+-][0-9]{2}:[0-9]{2}|Z)?)|-)" + Ws + "(?:(" + Host + ")|-)" + Ws + Msg + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc5424();

    [GeneratedRegex(@"^<([0-9]{1,3})>(?:([0-9])?" + Ws + @"?)([A-Z][a-z][a-z]" + Ws + "{1,2}[0-9]{1,2}" + Ws + "[0-9]{2}:[0-9]{2}:[0-9]{2})" + Ws + "(" + Host + ")" + Ws + Msg + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3164();
}
