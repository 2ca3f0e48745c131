using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources.Syslog;

/// <summary>What the three syslog sources share: bind address, client headers (spec syslog.md §7), the metrics text.</summary>
internal static class SyslogSupport
{
    /// <summary>The address of <c>host</c> (null or blank = all interfaces); an unresolvable name is a config error.</summary>
    public static IPAddress ResolveHost(ComponentContext ctx, string key, string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return IPAddress.Any;
        }

        if (IPAddress.TryParse(host.Trim(), out var ip))
        {
            return ip;
        }

        try
        {
            return Dns.GetHostAddresses(host.Trim()).First(a => a.AddressFamily == AddressFamily.InterNetwork);
        }
        catch (Exception ex) when (ex is SocketException or InvalidOperationException or ArgumentException)
        {
            ctx.Error(key, $"cannot resolve '{host}': {ex.Message}");
            return IPAddress.Loopback;
        }
    }

    /// <summary>
    /// Keys FlumeNet's syslog sources do not implement: <c>ssl</c> = true is an error (serving plain text where TLS
    /// was asked for would be worse than not starting); the undocumented <c>format.*</c> pattern is warned about.
    /// </summary>
    public static void RejectUnsupported(ComponentContext ctx)
    {
        if (ctx.GetBool("ssl", false))
        {
            ctx.Error("ssl", "TLS is not supported by FlumeNet's syslog sources (use a TLS-terminating relay, or the avro or http source)");
        }

        ctx.MarkKnown("keystore", "keystore-password", "keystore-type", "exclude-protocols", "include-protocols", "exclude-cipher-suites", "include-cipher-suites");
        if (ctx.GetSubProperties("format.").Count > 0)
        {
            ctx.Warn("format.regex", "custom syslog formats (format.*) are not supported and are ignored; RFC 5424 and RFC 3164 are parsed");
        }
    }

}

/// <summary>
/// Adds <c>clientIPHeader</c> / <c>clientHostnameHeader</c> to events. The reverse lookup is cached per address
/// (a name is looked up once, not per event). Thread-safe.
/// </summary>
internal sealed class SyslogClientHeaders
{
    private readonly string? _ipHeader;
    private readonly string? _hostHeader;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<IPAddress, string> _names = new();

    public SyslogClientHeaders(ComponentContext ctx, ILogger logger)
    {
        _ipHeader = Blank(ctx.GetString("clientIPHeader"));
        _hostHeader = Blank(ctx.GetString("clientHostnameHeader"));
        _logger = logger;
    }

    public bool Any => _ipHeader is not null || _hostHeader is not null;

    public void Apply(IDictionary<string, string> headers, IPEndPoint? peer)
    {
        if (_ipHeader is not null)
        {
            headers[_ipHeader] = peer is null ? Warn("Unable to retrieve client IP address") : Plain(peer.Address).ToString();
        }

        if (_hostHeader is not null)
        {
            headers[_hostHeader] = peer is null ? Warn("Unable to retrieve client hostname") : _names.GetOrAdd(Plain(peer.Address), Lookup);
        }
    }

    private static IPAddress Plain(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private string Lookup(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
        {
            return "localhost";
        }

        try
        {
            return Dns.GetHostEntry(address).HostName;
        }
        catch (SocketException)
        {
            // Java's getHostName falls back to the address text when the reverse lookup fails.
            return address.ToString();
        }
    }

    private string Warn(string message)
    {
        _logger.LogWarning("{Message}", message);
        return string.Empty;
    }
}

/// <summary>
/// Puts the events of <see cref="SyslogParser"/> one at a time (syslogtcp, syslogudp) with Flume's log lines and
/// counters: a channel failure drops the event with one ERROR; parsing goes on. Thread-safe.
/// </summary>
internal sealed class SyslogEventWriter(Runtime.ChannelProcessor processor, SourceCounter counters, SyslogClientHeaders client, ILogger sourceLogger, ILogger utilsLogger, string channelError)
{
    public void ParseFailed(IPEndPoint? peer, Exception ex)
    {
        sourceLogger.LogError("Error parsing event from syslog stream, event dropped: {Peer}: {Message}", peer, ex.Message);
        counters.AddEventReadFail();
    }

    public void Write(SyslogParser.Built b, int eventSize, IPEndPoint? peer)
    {
        if (b.Invalid)
        {
            utilsLogger.LogWarning("Event created from Invalid Syslog data.");
        }
        else if (b.Incomplete)
        {
            utilsLogger.LogWarning("Event size larger than specified event size: {Size}. You should consider increasing your event size.", eventSize);
        }

        client.Apply(b.Event.Headers, peer);
        counters.AddEventReceived();
        try
        {
            processor.ProcessEvent(b.Event);
            counters.AddEventAccepted();
        }
        catch (ChannelException ex)
        {
            sourceLogger.LogError("{What}: {Message}", channelError, ex.Message);
            counters.AddChannelWriteFail();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            sourceLogger.LogError("Error parsing event from syslog stream, event dropped: {Message}", ex.Message);
            counters.AddEventReadFail();
        }
    }
}
