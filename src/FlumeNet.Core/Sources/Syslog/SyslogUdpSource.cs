using System.Net;
using FlumeNet.Configuration;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources.Syslog;

/// <summary>
/// <c>syslogudp</c>: one datagram = at most one syslog event (spec syslog.md §3 items 4–6). One parser for the
/// whole source, fed by the single receive loop, so its remembered priority/version carry across senders as in Flume.
/// </summary>
internal sealed class SyslogUdpSource : SingleSocketSyslogSource
{
    /// <summary>Flume's Netty receive buffer: longer datagrams are cut to this many bytes.</summary>
    internal const int MaxDatagram = 2048;

    private readonly SyslogParser _parser;
    private UdpReceiver? _receiver;

    public SyslogUdpSource(string name, ChannelProcessor processor, ComponentContext ctx, BuildServices services)
        : base(name, processor, ctx, services, "syslogudp", "org.apache.flume.source.SyslogUDPSource", "Syslog UDP Source stopping...", "Error writting to channel", hostRequired: false)
    {
        _parser = new SyslogParser(int.MaxValue, Keep, udp: true, services.Time);
    }

    public IPEndPoint? LocalEndPoint => _receiver?.LocalEndPoint;

    protected override IAsyncDisposable Open() => _receiver = UdpReceiver.Start(Address, Port, Receive);

    private void Receive(ReadOnlySpan<byte> datagram, IPEndPoint? peer)
    {
        if (datagram.Length > MaxDatagram)
        {
            Logger.LogWarning("Datagram of {Length} bytes from {Peer} cut to {Max} bytes", datagram.Length, peer, MaxDatagram);
            datagram = datagram[..MaxDatagram];
        }

        SyslogParser.Built b;
        try
        {
            b = _parser.ParseDatagram(datagram);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            Writer.ParseFailed(peer, ex);
            return;
        }

        Writer.Write(b, int.MaxValue, peer);
    }
}
