using System.Net;
using System.Net.Sockets;
using System.Text;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources;

/// <summary>
/// <c>netcat</c>: listens on <c>bind</c>:<c>port</c>; each <c>\n</c>-terminated line is one event (body UTF-8),
/// answered <c>OK</c> (or <c>FAILED: …</c>) when <c>ack-every-event</c> is true.
/// </summary>
internal sealed class NetcatSource : SourceBase, IEventDrivenSource, IMetered
{
    private readonly ILogger _logger;
    private readonly string _bind;
    private readonly int _port;
    private readonly bool _ack;
    private readonly int _maxLineLength;
    private readonly Encoding _encoding;
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task? _accept;
    private int _handlers;

    public NetcatSource(string name, ChannelProcessor processor, ComponentContext ctx, ILoggerFactory loggers, MetricsRegistry? metrics = null, TimeProvider? time = null)
        : base(name, processor)
    {
        Counters = new SourceCounter(name, time);
        metrics?.Register(Counters);
        _logger = loggers.CreateLogger("org.apache.flume.source.NetcatSource");
        ctx.MarkKnown("type", "channels");
        _bind = ctx.GetRequiredString("bind");
        _port = ctx.GetInt("port", -1);
        if (_port < 0 && !ctx.HasErrors)
        {
            ctx.Error("port", "is required");
        }

        _ack = ctx.GetBool("ack-every-event", true);
        _maxLineLength = ctx.GetInt("max-line-length", 512);
        var enc = ctx.GetString("encoding", "utf-8")!;
        try
        {
            _encoding = Encoding.GetEncoding(enc);
        }
        catch (ArgumentException)
        {
            ctx.Error("encoding", $"unknown charset '{enc}'");
            _encoding = Encoding.UTF8;
        }
    }

    /// <summary>The bound endpoint (port 0 resolves to the real port).</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndpoint as IPEndPoint;

    /// <summary>Ours (Flume's netcat has none): events received/accepted, ChannelWriteFail, EventReadFail for over-long lines.</summary>
    public SourceCounter Counters { get; }

    CounterGroup IMetered.Counters => Counters;

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Source starting");
        Counters.Start();
        var address = IPAddress.TryParse(_bind, out var ip) ? ip : Dns.GetHostAddresses(_bind).First();
        var listener = new TcpListener(address, _port);
        try
        {
            listener.Start();
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new IOException($"netcat source {Name}: {_bind}:{_port} is already in use", ex);
        }

        _listener = listener;
        _logger.LogInformation("Created serverSocket:{Endpoint}", listener.LocalEndpoint);
        _stop = new CancellationTokenSource();
        _accept = Task.Run(() => AcceptLoopAsync(listener, _stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    protected override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        _stop?.Cancel();
        _listener?.Stop();
        if (_accept is not null)
        {
            await _accept.ConfigureAwait(false);
        }

        Counters.Stop();
        _logger.LogInformation("Source stopped. Event metrics: {Name}", Name);
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var n = Interlocked.Increment(ref _handlers);
            _ = Task.Run(() => HandleAsync(client, n, stop), CancellationToken.None);
        }
    }

    private async Task HandleAsync(TcpClient client, int n, CancellationToken stop)
    {
        ThreadNames.Current = "netcat-handler-" + n;
        using var _ = client;
        var stream = client.GetStream();
        var reader = new StreamReader(stream, _encoding, false, 4096);
        // No byte-order mark: StreamWriter would send the encoding's preamble (EF BB BF for UTF-8) before the first reply.
        var writer = new StreamWriter(stream, _encoding is UTF8Encoding ? new UTF8Encoding(false) : _encoding) { AutoFlush = true, NewLine = "\n" };
        var line = new StringBuilder();
        var buf = new char[4096];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var read = await reader.ReadAsync(buf, stop).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                for (int i = 0; i < read; i++)
                {
                    var c = buf[i];
                    if (c != '\n')
                    {
                        line.Append(c);
                        if (line.Length + 1 > _maxLineLength)
                        {
                            Counters.AddEventReadFail();
                            _logger.LogWarning("Client sent event exceeding the maximum length");
                            await writer.WriteAsync($"FAILED: Event exceeds the maximum length ({_maxLineLength} chars, including newline)\n").ConfigureAwait(false);
                            return;
                        }

                        continue;
                    }

                    var body = Encoding.UTF8.GetBytes(line.ToString());
                    line.Clear();
                    string reply;
                    Counters.AddEventReceived();
                    try
                    {
                        Processor.ProcessEvent(new Event(body));
                        Counters.AddEventAccepted();
                        reply = "OK";
                    }
                    catch (ChannelException ex)
                    {
                        Counters.AddChannelWriteFail();
                        reply = "FAILED: " + ex.Message;
                    }

                    if (_ack || reply != "OK")
                    {
                        await writer.WriteAsync(reply + "\n").ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
