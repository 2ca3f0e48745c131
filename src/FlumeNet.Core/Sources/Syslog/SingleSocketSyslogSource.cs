using System.Net;
using System.Net.Sockets;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources.Syslog;

/// <summary>
/// What <c>syslogtcp</c> and <c>syslogudp</c> share: <c>host</c>/<c>port</c>/<c>keepFields</c>/client headers,
/// one socket opened at start and closed at stop, the source counter and Flume's stop lines.
/// </summary>
internal abstract class SingleSocketSyslogSource : SourceBase, IEventDrivenSource, IMetered
{
    private readonly string _kind;
    private readonly string _stopping;
    private IAsyncDisposable? _socket;

    protected SingleSocketSyslogSource(string name, ChannelProcessor processor, ComponentContext ctx, BuildServices services, string kind, string loggerName, string stopping, string channelError, bool hostRequired)
        : base(name, processor)
    {
        _kind = kind;
        _stopping = stopping;
        Logger = services.Loggers.CreateLogger(loggerName);
        ctx.MarkKnown("type", "channels");
        SyslogSupport.RejectUnsupported(ctx);
        Address = SyslogSupport.ResolveHost(ctx, "host", hostRequired ? ctx.GetRequiredString("host") : ctx.GetString("host"));
        Port = RequiredPort(ctx);
        Keep = SyslogKeepFields.Parse(ctx.GetString("keepFields"));
        SourceCounters = services.Metrics.Register(new SourceCounter(name, services.Time));
        var utilsLogger = services.Loggers.CreateLogger("org.apache.flume.source.SyslogUtils");
        Writer = new SyslogEventWriter(processor, SourceCounters, new SyslogClientHeaders(ctx, utilsLogger), Logger, utilsLogger, channelError);
    }

    public CounterGroup Counters => SourceCounters;

    protected ILogger Logger { get; }

    protected IPAddress Address { get; }

    protected int Port { get; }

    protected SyslogKeepFields Keep { get; }

    protected SourceCounter SourceCounters { get; }

    protected SyslogEventWriter Writer { get; }

    /// <summary>A required <c>port</c>; a missing one is recorded as a config error.</summary>
    internal static int RequiredPort(ComponentContext ctx)
    {
        var port = ctx.GetInt("port", -1);
        if (port < 0 && !ctx.Problems.Any(p => p.Key == ctx.FullKey("port")))
        {
            ctx.Error("port", "is required");
        }

        return Math.Max(0, port);
    }

    /// <summary>Binds the socket and starts serving; throws <see cref="SocketException"/> when it cannot bind.</summary>
    protected abstract IAsyncDisposable Open();

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _socket = Open();
        }
        catch (SocketException ex)
        {
            throw new IOException($"{_kind} source {Name}: cannot bind {Address}:{Port}: {ex.Message}", ex);
        }

        SourceCounters.Start();
        return Task.CompletedTask;
    }

    protected override async Task OnStopAsync(CancellationToken cancellationToken)
    {
        Logger.LogInformation("{Stopping}", _stopping);
        if (_socket is not null)
        {
            await _socket.DisposeAsync().ConfigureAwait(false);
            _socket = null;
        }

        SourceCounters.Stop();
        Logger.LogInformation("Metrics: {Metrics}", SourceCounters);
    }
}
