using System.Text;
using System.Text.RegularExpressions;
using FlumeNet.Configuration;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Interceptors;

/// <summary>
/// <c>regex_filter</c>: keeps the events whose UTF-8 body contains a match of <c>regex</c> (default <c>.*</c>), or drops
/// them when <c>excludeEvents</c> is true. Java regex syntax (<see cref="JavaRegex"/>). Thread-safe.
/// </summary>
internal sealed class RegexFilteringInterceptor : IInterceptor
{
    private readonly Regex _regex;
    private readonly bool _exclude;

    public RegexFilteringInterceptor(ComponentContext ctx, ILoggerFactory loggers)
    {
        var pattern = ctx.GetString("regex", ".*")!;
        _exclude = ctx.GetBool("excludeEvents", false);
        _regex = JavaRegex.Compile(ctx, "regex", pattern) ?? new Regex(".*");
        loggers.CreateLogger("org.apache.flume.interceptor.RegexFilteringInterceptor")
            .LogInformation("Creating RegexFilteringInterceptor: regex={Regex},excludeEvents={Exclude}", pattern, _exclude ? "true" : "false");
    }

    public Event? Intercept(Event e)
    {
        var found = _regex.IsMatch(Encoding.UTF8.GetString(e.BodyArray));
        return found != _exclude ? e : null;
    }
}
