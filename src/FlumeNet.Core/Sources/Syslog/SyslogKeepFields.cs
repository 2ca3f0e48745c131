namespace FlumeNet.Sources.Syslog;

/// <summary>
/// The syslog sources' <c>keepFields</c> (spec syslog.md §6): <c>true</c>/<c>all</c> keeps the whole received line,
/// <c>false</c>/<c>none</c> (default) only the message; otherwise each of <c>priority</c>, <c>version</c>,
/// <c>timestamp</c>, <c>hostname</c> found as a substring is written before the message, in that fixed order.
/// </summary>
internal sealed record SyslogKeepFields(bool All, bool Priority, bool Version, bool Timestamp, bool Hostname)
{
    public static readonly SyslogKeepFields None = new(false, false, false, false, false);

    public static SyslogKeepFields Parse(string? value)
    {
        if (value is null)
        {
            return None;
        }

        var v = value.Trim().ToLowerInvariant();
        return v switch
        {
            "false" or "none" => None,
            "true" or "all" => new SyslogKeepFields(true, false, false, false, false),
            _ => new SyslogKeepFields(
                false,
                v.Contains("priority", StringComparison.Ordinal),
                v.Contains("version", StringComparison.Ordinal),
                v.Contains("timestamp", StringComparison.Ordinal),
                v.Contains("hostname", StringComparison.Ordinal)),
        };
    }

    /// <summary><c>&lt;PRI&gt;</c> + <c>VERSION </c> (when present) + <c>TIMESTAMP </c> + <c>HOST </c> + message.</summary>
    public string Prefix(string msg, string? priority, string? version, string timestamp, string host)
    {
        if (!(Priority || Version || Timestamp || Hostname))
        {
            return msg;
        }

        var prefix = string.Empty;
        if (Priority)
        {
            prefix += "<" + (priority ?? "null") + ">";
        }

        if (Version && !string.IsNullOrEmpty(version))
        {
            prefix += version + " ";
        }

        if (Timestamp)
        {
            prefix += timestamp + " ";
        }

        if (Hostname)
        {
            prefix += host + " ";
        }

        return prefix + msg;
    }
}
