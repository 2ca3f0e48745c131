using System.Net;
using System.Text.RegularExpressions;
using FlumeNet.Avro;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources;

/// <summary>
/// <c>avro</c>: serves Flume's AvroSourceProtocol on <c>bind</c>:<c>port</c>. A call is answered OK only after
/// its events are committed to the channels, FAILED when a channel refuses them (the sender then retries).
/// </summary>
internal sealed class AvroSource : SourceBase, IEventDrivenSource, IAvroSourceHandler, IMetered
{
    /// <summary>How often OpenConnectionCount is sampled, as Flume's 60 s.</summary>
    private static readonly TimeSpan ConnectionSampling = TimeSpan.FromSeconds(60);

    private readonly ILogger _logger;
    private readonly AvroRpcServerOptions _options;
    private readonly string _bind;
    private readonly int _port;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private AvroRpcServer? _server;
    private ITimer? _sampler;

    public AvroSource(string name, ChannelProcessor processor, ComponentContext ctx, BuildServices services)
        : base(name, processor)
    {
        _loggers = services.Loggers;
        _time = services.Time;
        Counters = services.Metrics.Register(new SourceCounter(name, services.Time));
        _logger = services.Loggers.CreateLogger("org.apache.flume.source.AvroSource");
        ctx.MarkKnown("type", "channels", "threads");
        _bind = ctx.GetRequiredString("bind");
        _port = ctx.GetInt("port", -1);
        if (_port < 0 && !ctx.Problems.Any(p => p.Key == ctx.FullKey("port")))
        {
            ctx.Error("port", "is required");
        }

        var compression = string.Equals(ComponentContext.JavaTrim(ctx.GetString("compression-type", "none")!), "deflate", StringComparison.OrdinalIgnoreCase)
            ? AvroCompression.Deflate : AvroCompression.None;
        var cert = ctx.GetBool("ssl", false) ? TlsLists.ServerCertificate(ctx, services) : null;

        var protocols = TlsLists.Protocols(ctx);
        var cipherSuites = TlsLists.CipherSuites(ctx);
        Func<IPAddress, bool>? filter = null;
        if (ctx.GetBool("ipFilter", false))
        {
            var rules = ctx.GetString("ipFilterRules");
            if (string.IsNullOrWhiteSpace(rules))
            {
                ctx.Error("ipFilterRules", "ipFilter = true needs ipFilterRules (e.g. allow:ip:127.*,deny:ip:*)");
            }
            else
            {
                filter = ParseIpFilter(rules, ctx);
            }
        }

        IPAddress bindAddress = IPAddress.Any;
        if (!string.IsNullOrEmpty(_bind) && !IPAddress.TryParse(_bind, out bindAddress!))
        {
            try
            {
                bindAddress = Dns.GetHostAddresses(_bind).First();
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException)
            {
                ctx.Error("bind", $"cannot resolve '{_bind}': {ex.Message}");
                bindAddress = IPAddress.Loopback;
            }
        }

        // Resource limits (FlumeNet keys, see docs/compatibility.md); a value out of range drops the source.
        var maxConnections = ctx.GetInt("maxConnections", 1024);
        if (maxConnections < 1)
        {
            ctx.Error("maxConnections", $"must be at least 1 (got {maxConnections})");
        }

        var frameReadTimeout = ctx.GetLong("frameReadTimeout", 60_000);
        if (frameReadTimeout < 1)
        {
            ctx.Error("frameReadTimeout", $"must be at least 1 ms (got {frameReadTimeout})");
        }

        var maxReceiveBufferBytes = ctx.GetLong("maxReceiveBufferBytes", 128L * 1024 * 1024);
        if (maxReceiveBufferBytes < 64 * 1024)
        {
            ctx.Error("maxReceiveBufferBytes", $"must be at least 65536 (got {maxReceiveBufferBytes})");
        }

        _options = new AvroRpcServerOptions
        {
            MaxConnections = Math.Max(1, maxConnections),
            FrameReadTimeout = TimeSpan.FromMilliseconds(Math.Max(1, frameReadTimeout)),
            MaxReceiveBufferBytes = Math.Max(64 * 1024, maxReceiveBufferBytes),
            BindAddress = bindAddress,
            Port = Math.Max(0, _port),
            Compression = compression,
            ServerCertificate = cert,
            EnabledSslProtocols = protocols,
            CipherSuites = cipherSuites,
            AcceptClient = filter,
            EventFactory = Event.FromWire,
        };
    }

    /// <summary>The bound endpoint once started (port 0 resolves to the real port).</summary>
    public IPEndPoint? LocalEndPoint => _server?.LocalEndPoint;

    /// <summary>Flume's avro-source counts: appends, batches, events, ChannelWriteFail, OpenConnectionCount (sampled).</summary>
    public SourceCounter Counters { get; }

    CounterGroup IMetered.Counters => Counters;

    public ValueTask<AvroStatus> AppendAsync(IFlumeEvent e, CancellationToken ct)
    {
        Counters.AddAppendReceived();
        Counters.AddEventReceived();
        try
        {
            Processor.ProcessEvent(AsEvent(e));
            Counters.AddAppendAccepted();
            Counters.AddEventAccepted();
            return ValueTask.FromResult(AvroStatus.Ok);
        }
        catch (ChannelException ex)
        {
            Counters.AddChannelWriteFail();
            _logger.LogWarning("Avro source {Name}: Unable to process event: {Message}", Name, ex.Message);
            return ValueTask.FromResult(AvroStatus.Failed);
        }
    }

    public ValueTask<AvroStatus> AppendBatchAsync(IReadOnlyList<IFlumeEvent> events, CancellationToken ct)
    {
        Counters.AddAppendBatchReceived();
        Counters.AddEventReceived(events.Count);
        try
        {
            var list = new Event[events.Count];
            for (int i = 0; i < list.Length; i++)
            {
                list[i] = AsEvent(events[i]);
            }

            Processor.ProcessEventBatch(list);
            Counters.AddAppendBatchAccepted();
            Counters.AddEventAccepted(list.Length);
            return ValueTask.FromResult(AvroStatus.Ok);
        }
        catch (Exception ex)
        {
            if (ex is ChannelException)
            {
                Counters.AddChannelWriteFail();
            }

            _logger.LogError("Avro source {Name}: Unable to process event batch: {Message}", Name, ex.Message);
            return ValueTask.FromResult(AvroStatus.Failed);
        }
    }

    protected override async Task OnStartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Starting Avro source {Name}: {{ bindAddress: {Bind}, port: {Port} }}...", Name, _bind, _port);
        Counters.Start();
        var server = new AvroRpcServer(_options, this, _loggers.CreateLogger("org.apache.avro.ipc.netty.NettyServer"));
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _server = server;
        _sampler = _time.CreateTimer(_ => Counters.SetOpenConnectionCount(server.ConnectionCount), null, ConnectionSampling, ConnectionSampling);
        _logger.LogInformation("Avro source {Name} started.", Name);
    }

    protected override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Avro source {Name} stopping: {{ bindAddress: {Bind}, port: {Port} }}", Name, _bind, _port);
        if (_sampler is not null)
        {
            await _sampler.DisposeAsync().ConfigureAwait(false);
            _sampler = null;
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
        }

        Counters.Stop();
        _logger.LogInformation("Avro source {Name} stopped. Metrics: {Metrics}", Name, Counters);
    }

    private static Event AsEvent(IFlumeEvent e) => e as Event ?? new Event(e.Headers, e.Body.ToArray());

    /// <summary>
    /// Flume's rules <c>allow|deny:ip|name:pattern</c>, comma-separated, first match decides, no match allows.
    /// </summary>
    internal static Func<IPAddress, bool>? ParseIpFilter(string rules, ComponentContext ctx)
    {
        var parsed = new List<(bool Allow, bool ByName, Regex Pattern)>();
        foreach (var raw in rules.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = raw.Split(':', 3);
            if (parts.Length != 3 || parts[0] is not ("allow" or "deny") || parts[1] is not ("ip" or "name"))
            {
                ctx.Error("ipFilterRules", $"malformed rule '{raw}' (expected allow|deny:ip|name:<pattern>)");
                return null;
            }

            var regex = new Regex("^" + Regex.Escape(parts[2]).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
            parsed.Add((parts[0] == "allow", parts[1] == "name", regex));
        }

        return address =>
        {
            var ip = (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
            foreach (var (allow, byName, pattern) in parsed)
            {
                var subject = byName ? (IPAddress.IsLoopback(address) ? "localhost" : TryName(address)) : ip;
                if (subject is not null && pattern.IsMatch(subject))
                {
                    return allow;
                }
            }

            return true;
        };
    }

    private static string? TryName(IPAddress address)
    {
        try
        {
            return Dns.GetHostEntry(address).HostName;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}
