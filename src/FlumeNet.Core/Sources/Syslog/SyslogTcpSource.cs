using System.Net;
using System.Net.Sockets;
using FlumeNet.Configuration;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources.Syslog;

/// <summary>
/// <c>syslogtcp</c>: newline-framed syslog over TCP on <c>host</c>:<c>port</c> (spec syslog.md). One parser per
/// connection; each line is one event, put with its own transaction. A channel failure drops that event with one
/// ERROR and the connection goes on.
/// </summary>
internal sealed class SyslogTcpSource : SingleSocketSyslogSource
{
    private readonly int _eventSize;
    private readonly TimeProvider _time;
    private TcpAcceptor? _acceptor;

    public SyslogTcpSource(string name, ChannelProcessor processor, ComponentContext ctx, BuildServices services)
        : base(name, processor, ctx, services, "syslogtcp", "org.apache.flume.source.SyslogTcpSource", "Syslog TCP Source stopping...", "Error writting to channel, event dropped", hostRequired: true)
    {
        _time = services.Time;
        _eventSize = ctx.GetInt("eventSize", 2500);
    }

    /// <summary>The bound endpoint once started (port 0 resolves to the real port).</summary>
    public IPEndPoint? LocalEndPoint => _acceptor?.LocalEndPoint;

    protected override IAsyncDisposable Open()
    {
        Logger.LogInformation("Syslog TCP Source starting...");
        return _acceptor = TcpAcceptor.Start(Address, Port, HandleAsync);
    }

    private async Task HandleAsync(TcpClient client, CancellationToken stop)
    {
        var peer = client.Client.RemoteEndPoint as IPEndPoint;
        var parser = new SyslogParser(_eventSize, Keep, udp: false, _time);
        var stream = client.GetStream();
        var buffer = new byte[8192];
        var built = new List<SyslogParser.Built>();
        while (!stop.IsCancellationRequested)
        {
            int read = await stream.ReadAsync(buffer, stop).ConfigureAwait(false);
            if (read == 0)
            {
                return; // an unterminated tail is discarded, as Flume does
            }

            built.Clear();
            try
            {
                parser.Feed(buffer.AsSpan(0, read), built);
            }
            catch (Exception ex) when (ex is FormatException or OverflowException)
            {
                Writer.ParseFailed(peer, ex);
                continue;
            }

            foreach (var b in built)
            {
                Writer.Write(b, parser.EventSize, peer);
            }
        }
    }
}
