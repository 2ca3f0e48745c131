using System.Text;
using System.Text.RegularExpressions;
using FlumeNet.Configuration;

namespace FlumeNet.Interceptors;

/// <summary>
/// <c>search_replace</c>: body = body (decoded with <c>charset</c>, default UTF-8) with every match of
/// <c>searchPattern</c> replaced by <c>replaceString</c> (default empty; Java replacement syntax: <c>$1</c>,
/// <c>${name}</c>, <c>\$</c>), encoded back with the same charset. Headers are kept. Thread-safe.
/// </summary>
internal sealed class SearchAndReplaceInterceptor : IInterceptor
{
    private readonly Regex? _regex;
    private readonly string _replacement = string.Empty;
    private readonly Encoding _charset = Encoding.UTF8;

    public SearchAndReplaceInterceptor(ComponentContext ctx)
    {
        var pattern = ctx.GetRequiredString("searchPattern");
        var replace = ctx.GetString("replaceString", string.Empty)!;
        var charset = ctx.GetString("charset", "UTF-8")!;
        try
        {
            _charset = Encoding.GetEncoding(ComponentContext.JavaTrim(charset));
        }
        catch (ArgumentException)
        {
            ctx.Error("charset", $"unsupported charset '{charset}'");
        }

        if (pattern.Length == 0)
        {
            return;
        }

        _regex = JavaRegex.Compile(ctx, "searchPattern", pattern, out var groupNames);
        if (_regex is not null)
        {
            try
            {
                _replacement = JavaRegex.TranslateReplacement(replace, _regex, groupNames);
            }
            catch (ArgumentException ex)
            {
                ctx.Error("replaceString", $"'{replace}' is not a valid replacement for '{pattern}': {ex.Message}");
            }
        }
    }

    public Event? Intercept(Event e)
    {
        if (_regex is null)
        {
            return e;
        }

        var text = _charset.GetString(e.BodyArray);
        var replaced = _regex.Replace(text, _replacement);
        return ReferenceEquals(replaced, text) ? e : new Event(e.Headers, _charset.GetBytes(replaced));
    }
}
