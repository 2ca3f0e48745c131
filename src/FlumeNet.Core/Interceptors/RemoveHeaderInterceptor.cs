using System.Text.RegularExpressions;
using FlumeNet.Configuration;

namespace FlumeNet.Interceptors;

/// <summary>
/// <c>remove_header</c>: removes the header named <c>withName</c>, the headers named in <c>fromList</c> (split by the
/// regex <c>fromListSeparator</c>, default <c>\s*,\s*</c>) and every header whose whole name matches <c>matching</c>.
/// All keys are optional. Java regex syntax (<see cref="JavaRegex"/>). Thread-safe.
/// </summary>
internal sealed class RemoveHeaderInterceptor : IInterceptor
{
    private readonly string? _withName;
    private readonly string[] _fromList = [];
    private readonly Regex? _matching;

    public RemoveHeaderInterceptor(ComponentContext ctx)
    {
        _withName = ctx.GetString("withName");
        var list = ctx.GetString("fromList");
        var separator = ctx.GetString("fromListSeparator", @"\s*,\s*")!;
        var sepRegex = JavaRegex.Compile(ctx, "fromListSeparator", separator);
        if (list is not null && sepRegex is not null)
        {
            _fromList = sepRegex.Split(list).Where(n => n.Length > 0).ToArray();
        }

        var matching = ctx.GetString("matching");
        if (matching is not null)
        {
            // Whole-name match, as Java's Matcher.matches().
            _matching = JavaRegex.Compile(ctx, "matching", matching) is { } r ? new Regex(@"\A(?:" + r + @")\z", RegexOptions.CultureInvariant) : null;
        }
    }

    public Event? Intercept(Event e)
    {
        var headers = e.Headers;
        if (_withName is not null)
        {
            headers.Remove(_withName);
        }

        foreach (var name in _fromList)
        {
            headers.Remove(name);
        }

        if (_matching is not null && headers.Count > 0)
        {
            foreach (var name in headers.Keys.Where(k => _matching.IsMatch(k)).ToList())
            {
                headers.Remove(name);
            }
        }

        return e;
    }
}
