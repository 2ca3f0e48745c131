using FlumeNet.Avro;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sinks;

/// <summary>
/// <c>avro</c>: sends batches of <c>batch-size</c> events with <c>appendBatch</c> to <c>hostname</c>:<c>port</c>.
/// The transaction commits only after the peer answered OK; any failure rolls it back (the events stay in
/// the channel) and raises <see cref="EventDeliveryException"/> so a failover processor can move on.
/// A peer that is down is reported in one line, without a stack trace.
/// </summary>
internal sealed class AvroSink : SinkBase, IProbeableSink, IBatchingComponent, IMetered
{
    private readonly ILogger _logger;
    private readonly ILogger _clientLogger;
    private readonly AvroRpcClientOptions _options;
    private readonly TimeSpan _resetInterval;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly List<Event> _batch;
    private AvroRpcClient? _client;
    private long _connectedAt;

    public AvroSink(string name, IChannel channel, ComponentContext ctx, BuildServices services)
        : base(name, channel)
    {
        _time = services.Time;
        Counters = services.Metrics.Register(new SinkCounter(name, services.Time));
        _logger = services.Loggers.CreateLogger("org.apache.flume.sink.AbstractRpcSink");
        _clientLogger = services.Loggers.CreateLogger("org.apache.flume.api.NettyAvroRpcClient");
        ctx.MarkKnown("type", "channel");
        var host = ctx.GetRequiredString("hostname");
        var port = ctx.GetInt("port", -1);
        if (port < 0 && !ctx.Problems.Any(p => p.Key == ctx.FullKey("port")))
        {
            ctx.Error("port", "is required");
        }

        BatchSize = ctx.GetIntOrDefault("batch-size", 100);
        if (BatchSize < 1)
        {
            ctx.Warn("batch-size", $"Invalid value for batchSize: {BatchSize}; Using default value.");
            BatchSize = 100;
        }

        var connectTimeout = Timeout(ctx, "connect-timeout", "Connection timeout");
        var requestTimeout = Timeout(ctx, "request-timeout", "Request timeout");
        _resetInterval = TimeSpan.FromSeconds(ctx.GetInt("reset-connection-interval", 0));
        var compression = string.Equals(ComponentContext.JavaTrim(ctx.GetString("compression-type", "none")!), "deflate", StringComparison.OrdinalIgnoreCase)
            ? AvroCompression.Deflate : AvroCompression.None;
        var level = ctx.GetIntOrDefault("compression-level", 6);
        if (ctx.Contains("maxIoWorkers"))
        {
            ctx.Warn("maxIoWorkers", "Specifying the number of workers is no longer supported");
        }

        var sys = services.SystemProperties;
        _options = new AvroRpcClientOptions
        {
            Host = host,
            Port = Math.Max(0, port),
            ConnectTimeout = connectTimeout,
            RequestTimeout = requestTimeout,
            Compression = compression,
            CompressionLevel = level,
            Ssl = ctx.GetBool("ssl", false),
            TrustAllCerts = ctx.GetBool("trust-all-certs", false),
            TruststorePath = ctx.GetString("truststore") ?? (sys.TryGetValue("javax.net.ssl.trustStore", out var ts) ? ts : Environment.GetEnvironmentVariable("FLUME_SSL_TRUSTSTORE_PATH")),
            TruststorePassword = ctx.GetString("truststore-password") ?? (sys.TryGetValue("javax.net.ssl.trustStorePassword", out var tp) ? tp : Environment.GetEnvironmentVariable("FLUME_SSL_TRUSTSTORE_PASSWORD")),
            TruststoreType = ctx.GetString("truststore-type"),
            EnabledSslProtocols = TlsLists.Protocols(ctx),
            CipherSuites = TlsLists.CipherSuites(ctx),
        };
        _batch = new List<Event>(BatchSize);
    }

    public string BatchSizeKey => "batch-size";

    public int BatchSize { get; }

    /// <summary>Flume's avro-sink counts: connections, batches (empty/underflow/complete), drained events, failures.</summary>
    public SinkCounter Counters { get; }

    CounterGroup IMetered.Counters => Counters;

    private string Peer => $"{_options.Host}:{_options.Port}";

    public override async ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        if (_client is not null && _resetInterval > TimeSpan.Zero && _time.GetElapsedTime(_connectedAt) >= _resetInterval)
        {
            _logger.LogDebug("Rpc sink {Name}: resetting the connection to {Peer}", Name, Peer);
            await CloseClientAsync().ConfigureAwait(false);
        }

        using var tx = Channel.BeginTransaction();
        try
        {
            var client = await EnsureClientAsync(cancellationToken).ConfigureAwait(false);
            _batch.Clear();
            tx.TakeBatch(_batch, BatchSize);

            var count = _batch.Count;
            Counters.CountBatch(count, BatchSize);
            if (count == 0)
            {
                tx.Commit();
                return SinkStatus.Backoff;
            }

            Counters.AddEventDrainAttempt(count);
            await SendAsync(client, cancellationToken).ConfigureAwait(false);
            tx.Commit();
            Counters.AddEventDrainSuccess(count);
            return SinkStatus.Ready;
        }
        catch (Exception ex)
        {
            tx.Rollback();
            _batch.Clear();
            if (ex is ChannelException)
            {
                Counters.AddChannelReadFail();
            }
            else
            {
                Counters.AddEventWriteFail();
            }

            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            await CloseClientAsync().ConfigureAwait(false);
            throw ex as EventDeliveryException ?? new EventDeliveryException($"Failed to send events to {Peer}: {SinkRunner.Describe(ex)}", ex);
        }
    }

    public async ValueTask<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await EnsureClientAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (EventDeliveryException)
        {
            return false;
        }
    }

    protected override async Task OnStartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Starting RpcSink {Name} {{ host: {Host}, port: {Port} }}...", Name, _options.Host, _options.Port);
        Counters.Start();
        try
        {
            await EnsureClientAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EventDeliveryException ex)
        {
            _logger.LogWarning("Unable to create Rpc client using hostname: {Host}, port: {Port}: {Reason}", _options.Host, _options.Port, ex.InnerException?.Message ?? ex.Message);
        }

        _logger.LogInformation("Rpc sink {Name} started.", Name);
    }

    protected override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Rpc sink {Name} stopping...", Name);
        await CloseClientAsync().ConfigureAwait(false);
        Counters.Stop();
        _logger.LogInformation("Rpc sink {Name} stopped. Metrics: {Metrics}", Name, Counters);
    }

    private static TimeSpan Timeout(ComponentContext ctx, string key, string what)
    {
        var ms = ctx.GetLongOrDefault(key, 20000);
        if (ms < 1000)
        {
            ctx.Warn(key, $"{what} specified less than 1s. Using default value instead.");
            ms = 20000;
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Sends the batch; a connection that was already open may have been closed by a restarted peer, so one fresh connection is tried before giving up.</summary>
    private async Task SendAsync(AvroRpcClient client, CancellationToken cancellationToken)
    {
        AvroStatus status;
        try
        {
            status = await client.AppendBatchAsync(_batch, cancellationToken).ConfigureAwait(false);
        }
        catch (AvroRpcException) when (!client.IsActive && !cancellationToken.IsCancellationRequested && _time.GetElapsedTime(_connectedAt) > TimeSpan.FromSeconds(1))
        {
            await CloseClientAsync().ConfigureAwait(false);
            client = await EnsureClientAsync(cancellationToken).ConfigureAwait(false);
            status = await client.AppendBatchAsync(_batch, cancellationToken).ConfigureAwait(false);
        }

        if (status != AvroStatus.Ok)
        {
            throw new EventDeliveryException($"Failed to send events to {Peer}: Avro RPC call returned Status: {status.ToString().ToUpperInvariant()}");
        }
    }

    private async Task<AvroRpcClient> EnsureClientAsync(CancellationToken cancellationToken)
    {
        var c = _client;
        if (c is { IsActive: true })
        {
            return c;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client is { IsActive: true })
            {
                return _client;
            }

            if (_client is not null)
            {
                await _client.DisposeAsync().ConfigureAwait(false);
                _client = null;
                Counters.AddConnectionClosed();
            }

            _logger.LogInformation("Rpc sink {Name}: Building RpcClient with hostname: {Host}, port: {Port}", Name, _options.Host, _options.Port);
            try
            {
                _client = await AvroRpcClient.ConnectAsync(_options, _clientLogger, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Counters.AddConnectionFailed();
                throw new EventDeliveryException($"Failed to connect to {Peer}: {SinkRunner.Describe(ex)}", ex);
            }

            _connectedAt = _time.GetTimestamp();
            Counters.AddConnectionCreated();
            return _client;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task CloseClientAsync()
    {
        var c = Interlocked.Exchange(ref _client, null);
        if (c is not null)
        {
            await c.DisposeAsync().ConfigureAwait(false);
            Counters.AddConnectionClosed();
        }
    }
}
