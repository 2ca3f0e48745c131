using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FlumeNet.Configuration;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Interceptors;

/// <summary>
/// <c>regex_extractor</c>: the first match of <c>regex</c> in the UTF-8 body; capture group i goes, through the i-th
/// serializer of <c>serializers</c> (whitespace list), to the header <c>serializers.&lt;s&gt;.name</c>. Surplus groups
/// are ignored; no match leaves the event unchanged. Serializer <c>type</c>: <c>DEFAULT</c> (the text as is) or
/// <c>org.apache.flume.interceptor.RegexExtractorInterceptorMillisSerializer</c> (<c>pattern</c>, a Joda-Time date
/// pattern, read in the local time zone → epoch milliseconds). Thread-safe.
/// </summary>
internal sealed class RegexExtractorInterceptor : IInterceptor
{
    public const string MillisSerializerClass = "org.apache.flume.interceptor.RegexExtractorInterceptorMillisSerializer";
    private const string PassThroughClass = "org.apache.flume.interceptor.RegexExtractorInterceptorPassThroughSerializer";

    private readonly Regex? _regex;
    private readonly List<(string Header, Func<string, string?> Serialize)> _serializers = new();
    private readonly ILogger _logger;
    private int _warned;

    public RegexExtractorInterceptor(ComponentContext ctx, ILoggerFactory loggers, TimeZoneInfo? zone = null)
    {
        _logger = loggers.CreateLogger("org.apache.flume.interceptor.RegexExtractorInterceptor");
        var pattern = ctx.GetRequiredString("regex");
        if (pattern.Length > 0)
        {
            _regex = JavaRegex.Compile(ctx, "regex", pattern);
        }

        var names = (ctx.GetString("serializers") ?? string.Empty).Split([' ', '\t', '\n', '\r', '\f'], StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            ctx.Error("serializers", "Must supply at least one name and serializer");
        }

        foreach (var s in names)
        {
            var sctx = ctx.Sub("serializers." + s + ".", s);
            var header = sctx.GetRequiredString("name");
            var type = ComponentContext.JavaTrim(sctx.GetString("type", "DEFAULT")!);
            if (type.Equals("DEFAULT", StringComparison.OrdinalIgnoreCase) || type == PassThroughClass)
            {
                _serializers.Add((header, v => v));
            }
            else if (type == MillisSerializerClass)
            {
                var datePattern = sctx.GetRequiredString("pattern");
                var format = JodaPattern.ToDotNet(sctx, "pattern", datePattern);
                var tz = zone ?? TimeZoneInfo.Local;
                var hasZone = format.Contains("zzz", StringComparison.Ordinal);
                _serializers.Add((header, v => ParseMillis(v, format, hasZone, tz, header)));
            }
            else
            {
                sctx.Error("type", $"unknown serializer type '{type}' (DEFAULT or {MillisSerializerClass})");
            }
        }
    }

    public Event? Intercept(Event e)
    {
        if (_regex is null)
        {
            return e;
        }

        var m = _regex.Match(Encoding.UTF8.GetString(e.BodyArray));
        if (!m.Success)
        {
            return e;
        }

        // Groups are numbered left to right as in Java (JavaRegex turns named groups into numbered ones).
        var count = Math.Min(m.Groups.Count - 1, _serializers.Count);
        for (int g = 1; g <= count; g++)
        {
            var group = m.Groups[g];
            if (!group.Success)
            {
                continue;
            }

            var (header, serialize) = _serializers[g - 1];
            if (serialize(group.Value) is { } value)
            {
                e.Headers[header] = value;
            }
        }

        return e;
    }

    private string? ParseMillis(string value, string format, bool hasZone, TimeZoneInfo zone, string header)
    {
        if (hasZone)
        {
            if (DateTimeOffset.TryParseExact(value, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withZone))
            {
                return withZone.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            }
        }
        else if (DateTime.TryParseExact(value, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            var offset = zone.GetUtcOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified));
            return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }

        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            _logger.LogWarning("Regex extractor: '{Value}' does not match the date pattern of header {Header}; the header is not set (logged once)", value, header);
        }

        return null;
    }
}
