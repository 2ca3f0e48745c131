using FlumeNet.Configuration;

namespace FlumeNet.Interceptors;

/// <summary><c>static</c>: a constant header <c>key</c>=<c>value</c>; <c>preserveExisting</c> defaults to true.</summary>
internal sealed class StaticInterceptor : IInterceptor
{
    private readonly string _key;
    private readonly string _value;
    private readonly bool _preserve;

    public StaticInterceptor(ComponentContext ctx)
    {
        _key = ctx.GetString("key", "key")!;
        _value = ctx.GetString("value", "value")!;
        _preserve = ctx.GetBool("preserveExisting", true);
    }

    public Event? Intercept(Event e)
    {
        if (!_preserve || !e.Headers.ContainsKey(_key))
        {
            e.Headers[_key] = _value;
        }

        return e;
    }
}
