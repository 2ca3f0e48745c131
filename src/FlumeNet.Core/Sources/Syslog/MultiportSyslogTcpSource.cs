using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources.Syslog;

/// <summary>
/// <c>multiport_syslogtcp</c>: syslog over TCP on several <c>ports</c> at once, with a charset per port and the
/// lines of one read written in batches of at most <c>batchSize</c> (spec syslog.md §3 items 7–12, §5).
/// A port that cannot be bound is one ERROR; the other ports serve.
/// </summary>
internal sealed class MultiportSyslogTcpSource : SourceBase, IEventDrivenSource, IMetered, IBatchingComponent
{
    private readonly ILogger _logger;
    private readonly IPAddress _address;
    private readonly string? _host;
    private readonly List<int> _ports = new();
    private readonly Dictionary<int, (string Name, Encoding Decoder, Encoding Encoder)> _charsets = new();
    private readonly (string Name, Encoding Decoder, Encoding Encoder) _defaultCharset;
    private readonly int _eventSize;
    private readonly int _readBufferBytes;
    private readonly string? _portHeader;
    private readonly SyslogKeepFields _keep;
    private readonly SyslogClientHeaders _client;
    private readonly TimeProvider _time;
    private readonly SourceCounter _counters;
    private readonly List<TcpAcceptor> _acceptors = new();
    private int _sessions;

    public MultiportSyslogTcpSource(string name, ChannelProcessor processor, ComponentContext ctx, BuildServices services)
        : base(name, processor)
    {
        _logger = services.Loggers.CreateLogger("org.apache.flume.source.MultiportSyslogTCPSource");
        _time = services.Time;
        ctx.MarkKnown("type", "channels", "numProcessors");
        SyslogSupport.RejectUnsupported(ctx);
        _host = ctx.GetString("host");
        _address = SyslogSupport.ResolveHost(ctx, "host", _host);
        var ports = ctx.GetString("ports");
        if (string.IsNullOrWhiteSpace(ports))
        {
            ctx.Error("ports", "Must define config parameter for MultiportSyslogTCPSource: ports");
        }
        else
        {
            foreach (var p in ports.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535)
                {
                    _ports.Add(port);
                }
                else
                {
                    ctx.Error("ports", $"'{p}' is not a port number");
                }
            }
        }

        _defaultCharset = Charset(ctx, "charset.default", ctx.GetString("charset.default", "UTF-8")!);
        foreach (var (key, value) in ctx.GetSubProperties("charset.port."))
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                ctx.Error("charset.port." + key, $"'{key}' is not a port number");
                continue;
            }

            _charsets[port] = Charset(ctx, "charset.port." + key, value);
        }

        _eventSize = ctx.GetInt("eventSize", 2500);
        if (_eventSize < 1)
        {
            ctx.Error("eventSize", $"must be positive, not {_eventSize}");
        }

        BatchSize = ctx.GetInt("batchSize", 100);
        if (BatchSize < 1)
        {
            ctx.Error("batchSize", $"must be positive, not {BatchSize}");
        }

        _readBufferBytes = Math.Clamp(ctx.GetInt("readBufferBytes", 1024), 64, 1 << 20);
        _portHeader = ctx.GetString("portHeader");
        _keep = SyslogKeepFields.Parse(ctx.GetString("keepFields"));
        _client = new SyslogClientHeaders(ctx, _logger);
        _counters = services.Metrics.Register(new SourceCounter(name, services.Time));
    }

    public string BatchSizeKey => "batchSize";

    public int BatchSize { get; }

    public CounterGroup Counters => _counters;

    /// <summary>The endpoints bound at start (port 0 resolves to the real port), in the order of <c>ports</c>.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => _acceptors.Select(a => a.LocalEndPoint).ToList();

    public override string ToString() => "Multiport Syslog TCP source " + Name;

    private static (string, Encoding, Encoding) Charset(ComponentContext ctx, string key, string name)
    {
        try
        {
            var decoder = Encoding.GetEncoding(name.Trim(), EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            return (name.Trim(), decoder, Encoding.GetEncoding(name.Trim()));
        }
        catch (ArgumentException)
        {
            ctx.Error(key, $"Unable to parse charset string ({name}) from port configuration.");
            return ("UTF-8", Encoding.UTF8, Encoding.UTF8);
        }
    }

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Starting {Source}...", this);
        foreach (var port in _ports)
        {
            var charset = _charsets.TryGetValue(port, out var cs) ? cs : _defaultCharset;
            try
            {
                _acceptors.Add(TcpAcceptor.Start(_address, port, (client, stop) => HandleAsync(client, port, charset, stop)));
            }
            catch (SocketException ex)
            {
                var shown = string.IsNullOrWhiteSpace(_host) ? "0.0.0.0/0.0.0.0" : "/" + _address;
                _logger.LogError("Could not bind to address: {Address}:{Port}: {Message}", shown, port, ex.Message);
            }
        }

        _counters.Start();
        _logger.LogInformation("{Source} started.", this);
        return Task.CompletedTask;
    }

    protected override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Stopping {Source}...", this);
        foreach (var acceptor in _acceptors)
        {
            await acceptor.DisposeAsync().ConfigureAwait(false);
        }

        _acceptors.Clear();
        _counters.Stop();
        _logger.LogInformation("{Source} stopped. Metrics: {Metrics}", this, _counters);
    }

    private async Task HandleAsync(TcpClient client, int port, (string Name, Encoding Decoder, Encoding Encoder) charset, CancellationToken stop)
    {
        var id = Interlocked.Increment(ref _sessions);
        var session = string.Format(CultureInfo.InvariantCulture, "(0x{0:X8}: nio socket, server, /{1} => /{2})", id, client.Client.RemoteEndPoint, client.Client.LocalEndPoint);
        _logger.LogInformation("Session created: {Session}", session);
        try
        {
            await ReadLinesAsync(client, port, charset, stop).ConfigureAwait(false);
        }
        finally
        {
            _logger.LogInformation("Session closed: {Session}", session);
        }
    }

    private async Task ReadLinesAsync(TcpClient client, int port, (string Name, Encoding Decoder, Encoding Encoder) charset, CancellationToken stop)
    {
        var peer = client.Client.RemoteEndPoint as IPEndPoint;
        var framer = new LineFramer(_eventSize);
        var stream = client.GetStream();
        var buffer = new byte[_readBufferBytes];
        var batch = new List<Event>(Math.Min(BatchSize, 256));
        while (!stop.IsCancellationRequested)
        {
            int read = await stream.ReadAsync(buffer, stop).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            framer.Append(buffer.AsSpan(0, read));
            while (framer.Next(out var line, out var cut))
            {
                if (line.Length == 0)
                {
                    continue; // Flume throws on an empty line and loses the read; skipping it is harmless
                }

                batch.Add(BuildEvent(line, cut, port, charset, peer));
                if (batch.Count >= BatchSize)
                {
                    Write(batch);
                }
            }

            Write(batch);
        }
    }

    internal Event BuildEvent(byte[] line, bool cut, int port, (string Name, Encoding Decoder, Encoding Encoder) charset, IPEndPoint? peer)
    {
        if (cut)
        {
            _logger.LogWarning("Event size larger than specified event size: {Size}. Consider increasing the max event size.", _eventSize);
        }

        Event? e = null;
        string? text = null;
        try
        {
            text = charset.Decoder.GetString(line);
        }
        catch (DecoderFallbackException ex)
        {
            _logger.LogInformation("Error decoding line with charset ({Charset}). Exception follows. {Message}", charset.Name, ex.Message);
        }

        if (text is not null)
        {
            e = MultiportSyslogParser.Parse(text, charset.Encoder, _keep, _time.GetUtcNow());
        }

        if (e is null)
        {
            _counters.AddEventReadFail();
            e = new Event(new Dictionary<string, string> { [SyslogParser.StatusHeader] = "Invalid" }, line);
        }
        else if (cut)
        {
            e.Headers[SyslogParser.StatusHeader] = "Incomplete";
        }

        if (_portHeader is not null)
        {
            e.Headers[_portHeader] = port.ToString(CultureInfo.InvariantCulture);
        }

        _client.Apply(e.Headers, peer);
        return e;
    }

    private void Write(List<Event> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        _counters.AddEventReceived(batch.Count);
        try
        {
            Processor.ProcessEventBatch(batch);
            _counters.AddEventAccepted(batch.Count);
        }
        catch (ChannelException ex)
        {
            _logger.LogError("Error writing to channel, event dropped: {Message}", ex.Message);
            _counters.AddChannelWriteFail();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError("Error in syslog message handler: {Message}", ex.Message);
            _counters.AddGenericProcessingFail();
        }
        finally
        {
            batch.Clear();
        }
    }

    /// <summary>
    /// Splits a byte stream at <c>\n</c> (removed; <c>\r</c> kept). When <c>eventSize</c> bytes arrive without a
    /// <c>\n</c> among them, those bytes are cut off as a line of their own. Owned by one connection.
    /// </summary>
    internal sealed class LineFramer(int eventSize)
    {
        private byte[] _buf = new byte[Math.Min(eventSize, 4096) + 1];
        private int _start;
        private int _end;

        public void Append(ReadOnlySpan<byte> data)
        {
            if (_start > 0)
            {
                Array.Copy(_buf, _start, _buf, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end + data.Length > _buf.Length)
            {
                Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _end + data.Length));
            }

            data.CopyTo(_buf.AsSpan(_end));
            _end += data.Length;
        }

        public bool Next(out byte[] line, out bool cut)
        {
            var pending = _buf.AsSpan(_start, _end - _start);
            int nl = pending[..Math.Min(pending.Length, eventSize)].IndexOf((byte)'\n');
            if (nl >= 0)
            {
                line = pending[..nl].ToArray();
                cut = false;
                _start += nl + 1;
                return true;
            }

            if (pending.Length >= eventSize)
            {
                line = pending[..eventSize].ToArray();
                cut = true;
                _start += eventSize;
                return true;
            }

            line = [];
            cut = false;
            return false;
        }
    }
}
