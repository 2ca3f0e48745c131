using System.Globalization;
using FlumeNet.Configuration;

namespace FlumeNet.Interceptors;

/// <summary><c>timestamp</c>: header (<c>headerName</c>, default <c>timestamp</c>) = epoch milliseconds at interception.</summary>
internal sealed class TimestampInterceptor : IInterceptor
{
    private readonly string _header;
    private readonly bool _preserve;
    private readonly TimeProvider _time;

    public TimestampInterceptor(ComponentContext ctx, TimeProvider time)
    {
        _header = ctx.GetString("headerName", "timestamp")!;
        _preserve = ctx.GetBool("preserveExisting", false);
        _time = time;
    }

    public Event? Intercept(Event e)
    {
        if (!_preserve || !e.Headers.ContainsKey(_header))
        {
            e.Headers[_header] = _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }

        return e;
    }
}
