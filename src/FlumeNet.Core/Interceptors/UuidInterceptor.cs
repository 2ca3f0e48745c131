using FlumeNet.Configuration;

namespace FlumeNet.Interceptors;

/// <summary>
/// UUID (<c>org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder</c>): header <c>headerName</c> (<c>id</c>) =
/// <c>prefix</c> + a random version-4 UUID in lower case; an existing header is kept when <c>preserveExisting</c>
/// (default true). Thread-safe.
/// </summary>
internal sealed class UuidInterceptor : IInterceptor
{
    /// <summary>Flume has no alias for this interceptor: the class name is the only spelling.</summary>
    public const string ClassName = "org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder";

    private readonly string _header;
    private readonly bool _preserve;
    private readonly string _prefix;

    public UuidInterceptor(ComponentContext ctx)
    {
        _header = ctx.GetString("headerName", "id")!;
        _preserve = ctx.GetBool("preserveExisting", true);
        _prefix = ctx.GetString("prefix", string.Empty)!;
    }

    public Event? Intercept(Event e)
    {
        if (!_preserve || !e.Headers.ContainsKey(_header))
        {
            e.Headers[_header] = _prefix + Guid.NewGuid().ToString("D");
        }

        return e;
    }
}
