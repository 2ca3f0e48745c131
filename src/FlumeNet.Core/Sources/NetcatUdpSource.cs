using System.Net;
using System.Net.Sockets;
using FlumeNet.Configuration;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources;

/// <summary>
/// <c>netcatudp</c>: listens for datagrams on <c>bind</c>:<c>port</c>; each datagram is one event whose body is its
/// bytes up to the first <c>\n</c> (the rest is dropped). <c>remoteAddress</c> names a header that receives the
/// sender as <c>/ip:port</c>. Like Flume, no source counters (only success/dropped totals in the stop line).
/// </summary>
internal sealed class NetcatUdpSource : SourceBase, IEventDrivenSource
{
    private readonly ILogger _logger;
    private readonly IPAddress _address;
    private readonly int _port;
    private readonly string? _remoteHeader;
    private UdpReceiver? _receiver;
    private long _success;
    private long _dropped;

    public NetcatUdpSource(string name, ChannelProcessor processor, ComponentContext ctx, ILoggerFactory loggers)
        : base(name, processor)
    {
        _logger = loggers.CreateLogger("org.apache.flume.source.NetcatUdpSource");
        ctx.MarkKnown("type", "channels");
        _port = Syslog.SingleSocketSyslogSource.RequiredPort(ctx);
        _address = Syslog.SyslogSupport.ResolveHost(ctx, "bind", ctx.GetString("bind"));
        var header = ctx.GetString("remoteAddress");
        _remoteHeader = string.IsNullOrWhiteSpace(header) ? null : header.Trim();
    }

    public IPEndPoint? LocalEndPoint => _receiver?.LocalEndPoint;

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _receiver = UdpReceiver.Start(_address, _port, Handle);
        }
        catch (SocketException ex)
        {
            throw new IOException($"netcatudp source {Name}: cannot bind {_address}:{_port}: {ex.Message}", ex);
        }

        return Task.CompletedTask;
    }

    protected override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Netcat UDP Source stopping...");
        _logger.LogInformation("Metrics:{{ events.success: {Success}, events.dropped: {Dropped} }}", Interlocked.Read(ref _success), Interlocked.Read(ref _dropped));
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync().ConfigureAwait(false);
            _receiver = null;
        }
    }

    internal void Handle(ReadOnlySpan<byte> datagram, IPEndPoint? peer)
    {
        int nl = datagram.IndexOf((byte)'\n');
        var body = (nl >= 0 ? datagram[..nl] : datagram).ToArray();
        var e = new Event(body);
        if (_remoteHeader is not null && peer is not null)
        {
            var ip = peer.Address.IsIPv4MappedToIPv6 ? peer.Address.MapToIPv4() : peer.Address;
            e.Headers[_remoteHeader] = "/" + ip + ":" + peer.Port;
        }

        try
        {
            Processor.ProcessEvent(e);
            Interlocked.Increment(ref _success);
        }
        catch (ChannelException ex)
        {
            Interlocked.Increment(ref _dropped);
            _logger.LogError("Error writing to channel: {Message}", ex.Message);
        }
    }
}
