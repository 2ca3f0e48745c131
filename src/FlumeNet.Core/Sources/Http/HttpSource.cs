using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FlumeNet.Avro;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlumeNet.Sources.Http;

/// <summary>
/// <c>http</c>: Flume's HTTPSource on Kestrel. Every POST (or GET, as Flume's servlet) to any path is turned into
/// events by the configured handler and put in one transaction: 200 after the commit, 400 for a body the handler
/// cannot read, 503 when a channel refuses the batch (the client retries), 413 for a body over
/// <c>maxRequestBytes</c>, 500 otherwise. Requests are served concurrently; the channel processor is thread-safe.
/// </summary>
internal sealed class HttpSource : SourceBase, IEventDrivenSource, IMetered
{
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly IHttpSourceHandler? _handler;
    private readonly IPAddress _address;
    private readonly string _bind;
    private readonly int _port;
    private readonly long _maxRequestBytes;
    private readonly TimeSpan _requestTimeout;
    private readonly X509Certificate2? _certificate;
    private readonly SslProtocols _protocols;
    private readonly IReadOnlyList<TlsCipherSuite>? _cipherSuites;
    private readonly SourceCounter _counters;
    private KestrelServer? _server;

    public HttpSource(string name, ChannelProcessor processor, ComponentContext ctx, BuildServices services)
        : base(name, processor)
    {
        _loggers = services.Loggers;
        _logger = services.Loggers.CreateLogger("org.apache.flume.source.http.HTTPSource");
        ctx.MarkKnown("type", "channels");
        _bind = ctx.GetString("bind", "0.0.0.0")!.Trim();
        _address = Syslog.SyslogSupport.ResolveHost(ctx, "bind", _bind);
        _port = Syslog.SingleSocketSyslogSource.RequiredPort(ctx);
        var handlerName = ctx.GetString("handler", HttpSourceHandlers.Json)!;
        _handler = HttpSourceHandlers.Create(handlerName, ctx.Sub("handler.", "handler"), ctx, services.Loggers);
        _maxRequestBytes = ctx.GetLong("maxRequestBytes", 64L * 1024 * 1024);
        if (_maxRequestBytes <= 0)
        {
            ctx.Error("maxRequestBytes", $"must be positive, not {_maxRequestBytes}");
        }

        _requestTimeout = TimeSpan.FromMilliseconds(Math.Max(100, ctx.GetLong("requestTimeout", 30_000)));
        foreach (var jetty in new[] { "QueuedThreadPool.", "HttpConfiguration.", "SslContextFactory.", "ServerConnector." })
        {
            if (ctx.GetSubProperties(jetty).Count > 0)
            {
                ctx.Warn(jetty + "*", "Jetty settings do not apply to FlumeNet's HTTP server and are ignored");
            }
        }

        if (ctx.GetBool("ssl", ctx.GetBool("enableSSL", false)))
        {
            _certificate = TlsLists.ServerCertificate(ctx, services, legacyPasswordKey: "keystorePassword");
            _protocols = TlsLists.Protocols(ctx, legacyExcludeKey: "excludeProtocols");
            _cipherSuites = TlsLists.CipherSuites(ctx);
        }
        else
        {
            ctx.MarkKnown("keystore", "keystore-password", "keystorePassword", "keystore-type", "exclude-protocols", "excludeProtocols", "include-protocols", "exclude-cipher-suites", "include-cipher-suites");
        }

        _counters = services.Metrics.Register(new SourceCounter(name, services.Time));
    }

    public CounterGroup Counters => _counters;

    /// <summary>The bound endpoint once started (port 0 resolves to the real port).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    protected override async Task OnStartAsync(CancellationToken cancellationToken)
    {
        var options = new KestrelServerOptions { AddServerHeader = false };
        options.Limits.MaxRequestBodySize = _handler is BlobHandler ? null : _maxRequestBytes;
        options.Limits.RequestHeadersTimeout = _requestTimeout;
        options.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(Math.Max(_requestTimeout.TotalSeconds, 30));

        options.Listen(_address, _port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            if (_certificate is not null)
            {
                var tls = new SslServerAuthenticationOptions { ServerCertificate = _certificate, EnabledSslProtocols = _protocols };
                if (_cipherSuites is not null && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
                {
                    tls.CipherSuitesPolicy = new CipherSuitesPolicy(_cipherSuites);
                }

                listen.Use(new TlsConnectionMiddleware(tls, _requestTimeout, _logger).Wrap);
            }
        });

        var loggers = new KestrelLogBridge(_loggers, _logger);
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggers);
        var server = new KestrelServer(Options.Create(options), transport, loggers);
        try
        {
            await server.StartAsync(new Application(HandleAsync), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            server.Dispose();
            throw new IOException($"http source {Name}: cannot listen on {_bind}:{_port}: {ex.Message}", ex);
        }

        _server = server;
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        LocalEndPoint = address is not null && Uri.TryCreate(address, UriKind.Absolute, out var uri)
            ? new IPEndPoint(_address, uri.Port)
            : new IPEndPoint(_address, _port);
        _counters.Start();
    }

    protected override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _server.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogError("Error while stopping HTTPSource. Exception follows. {Message}", ex.Message);
            }

            _server.Dispose();
            _server = null;
        }

        _counters.Stop();
        _logger.LogInformation("Http source {Name} stopped. Metrics: {Metrics}", Name, _counters);
    }

    /// <summary>One request = one transaction (spec components.md §1.7).</summary>
    internal async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsPost(request.Method) && !HttpMethods.IsGet(request.Method))
        {
            response.Headers.Allow = "GET, POST";
            await ErrorAsync(response, StatusCodes.Status405MethodNotAllowed, $"HTTP method {request.Method} is not supported by this URL").ConfigureAwait(false);
            return;
        }

        IReadOnlyList<Event> events;
        try
        {
            var query = request.Query.Select(q => new KeyValuePair<string, string>(q.Key, q.Value.FirstOrDefault() ?? string.Empty)).ToList();
            events = await _handler!.GetEventsAsync(new HttpSourceRequest(request.ContentType, query, request.Body), context.RequestAborted).ConfigureAwait(false);
        }
        catch (HttpBadRequestException ex)
        {
            _logger.LogWarning("Received bad request from client {Peer}: {Message}", Peer(context), ex.Message);
            _counters.AddEventReadFail();
            await ErrorAsync(response, StatusCodes.Status400BadRequest, "Bad request from client. " + ex.Message).ConfigureAwait(false);
            return;
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex)
        {
            // Kestrel's own limits: body over maxRequestBytes (413), body arriving too slowly (408), bad framing (400).
            // Kestrel logs these itself, through KestrelLogBridge: one WARN line.
            _counters.AddEventReadFail();
            await ErrorAsync(response, ex.StatusCode, "Bad request from client. " + ex.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            _logger.LogWarning("Client {Peer} went away before its request was read", Peer(context));
            _counters.AddEventReadFail();
            return;
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Deserializer threw unexpected exception. {Message}", ex.Message);
            _counters.AddGenericProcessingFail();
            await ErrorAsync(response, StatusCodes.Status500InternalServerError, "Deserializer threw unexpected exception. " + ex.Message).ConfigureAwait(false);
            return;
        }

        _counters.AddAppendBatchReceived();
        _counters.AddEventReceived(events.Count);
        try
        {
            Processor.ProcessEventBatch(events);
        }
        catch (ChannelException ex)
        {
            _logger.LogWarning("Error appending event to channel. Channel might be full. Consider increasing the channel capacity or make sure the sinks perform faster. {Message}", ex.Message);
            _counters.AddChannelWriteFail();
            await ErrorAsync(response, StatusCodes.Status503ServiceUnavailable, "Error appending event to channel. Channel might be full." + ex.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Unexpected error appending event to channel. {Message}", ex.Message);
            _counters.AddGenericProcessingFail();
            await ErrorAsync(response, StatusCodes.Status500InternalServerError, "Unexpected error while appending event to channel. " + ex.Message).ConfigureAwait(false);
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        _counters.AddAppendBatchAccepted();
        _counters.AddEventAccepted(events.Count);
    }

    private static string Peer(HttpContext c) => c.Connection.RemoteIpAddress + ":" + c.Connection.RemotePort;

    private static Task ErrorAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message + "\n", Encoding.UTF8);
    }

    /// <summary>The Kestrel application: a plain request delegate over the default HTTP context.</summary>
    private sealed class Application(RequestDelegate handler) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => handler(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
