using System.Net;
using System.Net.Sockets;
using FlumeNet.Configuration;

namespace FlumeNet.Interceptors;

/// <summary><c>host</c>: header (<c>hostHeader</c>, default <c>host</c>) = this machine's address (<c>useIP</c>, default true) or host name.</summary>
internal sealed class HostInterceptor : IInterceptor
{
    private readonly string _header;
    private readonly bool _preserve;
    private readonly string? _value;

    public HostInterceptor(ComponentContext ctx)
    {
        _header = ctx.GetString("hostHeader", "host")!;
        _preserve = ctx.GetBool("preserveExisting", false);
        var useIp = ctx.GetBool("useIP", true);
        try
        {
            var name = Dns.GetHostName();
            if (useIp)
            {
                var addr = Dns.GetHostAddresses(name).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                    ?? Dns.GetHostAddresses(name).FirstOrDefault();
                _value = addr?.ToString();
            }
            else
            {
                _value = Dns.GetHostEntry(name).HostName;
            }
        }
        catch (SocketException ex)
        {
            ctx.Warn("type", $"host name lookup failed, the '{_header}' header will not be set: {ex.Message}");
        }
    }

    public Event? Intercept(Event e)
    {
        if (_value is not null && (!_preserve || !e.Headers.ContainsKey(_header)))
        {
            e.Headers[_header] = _value;
        }

        return e;
    }
}
