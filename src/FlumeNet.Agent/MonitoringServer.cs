using System.Globalization;
using System.Net;
using System.Text;
using FlumeNet.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Agent;

/// <summary>
/// What <c>-Dflume.monitoring.*</c> asks for: Flume's HTTP JSON server (type <c>http</c> or Flume's class name) on
/// <c>flume.monitoring.port</c> (default 41414), bound to all interfaces unless <c>flume.monitoring.bind</c> says
/// otherwise (ours). Null when monitoring is off or the settings are unusable (one ERROR line, naming the key).
/// </summary>
internal sealed record MonitoringOptions(IPAddress Bind, int Port)
{
    public const int DefaultPort = 41414;

    private const string HttpClassName = "org.apache.flume.instrumentation.http.HTTPMetricsServer";

    public static MonitoringOptions? FromSystemProperties(IReadOnlyDictionary<string, string> props, ILogger logger)
    {
        if (!props.TryGetValue("flume.monitoring.type", out var type))
        {
            return null;
        }

        type = type.Trim();
        if (!type.Equals("http", StringComparison.OrdinalIgnoreCase) && type != HttpClassName)
        {
            logger.LogError("flume.monitoring.type: unknown or unsupported monitoring type '{Type}' (supported: http, {Class}); the agent runs without monitoring", type, HttpClassName);
            return null;
        }

        var port = DefaultPort;
        if (props.TryGetValue("flume.monitoring.port", out var p)
            && (!int.TryParse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            logger.LogError("flume.monitoring.port: invalid port '{Port}' (expected 1-65535); JSON Metrics are not available", p);
            return null;
        }

        var bind = IPAddress.Any;
        if (props.TryGetValue("flume.monitoring.bind", out var b) && !IPAddress.TryParse(b.Trim(), out bind!))
        {
            logger.LogError("flume.monitoring.bind: invalid address '{Bind}'; JSON Metrics are not available", b);
            return null;
        }

        return new MonitoringOptions(bind, port);
    }
}

/// <summary>
/// The monitoring endpoint on Kestrel: <c>/metrics</c> (Flume's JSON, path compared case-insensitively),
/// <c>/prometheus</c> (text exposition, ours), <c>/</c> (Flume's one-line page); TRACE and OPTIONS are refused (403),
/// anything else is 404. Reads the registry on every request, so it follows reloads without restarting.
/// </summary>
internal sealed class MonitoringServer : IAsyncDisposable
{
    private const string IndexPage = "For Flume metrics please click <a href = \"./metrics\"> here</a>.";

    private readonly MetricsRegistry _metrics;
    private readonly string _agent;
    private readonly ILogger _logger;
    private WebApplication? _app;

    public MonitoringServer(MetricsRegistry metrics, string agent, ILogger logger)
    {
        _metrics = metrics;
        _agent = agent;
        _logger = logger;
    }

    /// <summary>Starts listening; a port in use or any other bind failure is one ERROR line and returns false.</summary>
    public async Task<bool> StartAsync(MonitoringOptions options, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(options.Bind, options.Port);
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var reason = ex is Microsoft.AspNetCore.Connections.AddressInUseException ? "address already in use" : ex.Message.TrimEnd('.');
            _logger.LogError("Error starting the metrics server on {Bind}:{Port} (flume.monitoring.port): {Reason}. JSON Metrics are not available; the agent keeps running", options.Bind, options.Port, reason);
            await app.DisposeAsync().ConfigureAwait(false);
            return false;
        }

        _app = app;
        _logger.LogInformation("Metrics server listening on {Bind}:{Port} (/metrics, /prometheus)", options.Bind, options.Port);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        var app = Interlocked.Exchange(ref _app, null);
        if (app is not null)
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (HttpMethods.IsTrace(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        var path = request.Path.Value ?? string.Empty;
        if (path.Equals("/metrics", StringComparison.OrdinalIgnoreCase))
        {
            return SendAsync(context, MetricsJson.ToUtf8(_metrics.Groups()), "application/json;charset=utf-8");
        }

        if (path == "/prometheus")
        {
            return SendAsync(context, Encoding.UTF8.GetBytes(PrometheusText.Write(_agent, _metrics.Groups(), ProcessStats.Current())), PrometheusText.ContentType);
        }

        if (path == "/")
        {
            return SendAsync(context, Encoding.UTF8.GetBytes(IndexPage), "text/html;charset=utf-8");
        }

        response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static Task SendAsync(HttpContext context, byte[] body, string contentType)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
