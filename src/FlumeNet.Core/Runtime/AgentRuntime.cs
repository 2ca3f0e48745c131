using FlumeNet.Metrics;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Runtime;

/// <summary>
/// Runs one materialised configuration at a time: channels first, then sink runners, then sources; stops in
/// the reverse order (sources first, so sinks can drain what the channel holds; then sinks; then channels).
/// After each start the counter groups of the running components are published to <see cref="Metrics"/>
/// (the monitoring endpoints read it): new components appear, removed ones disappear.
/// </summary>
public sealed class AgentRuntime : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly LifecycleSupervisor _supervisor;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly TimeSpan _drain;
    private BuiltAgent? _current;

    /// <param name="drain">How long running sinks may empty non-durable channels at a stop before their events are given up (default 2 s).</param>
    public AgentRuntime(ILoggerFactory loggers, TimeProvider time, TimeSpan? drain = null)
    {
        Metrics = new MetricsRegistry();
        _drain = drain ?? TimeSpan.FromSeconds(2);
        _logger = loggers.CreateLogger("org.apache.flume.node.Application");
        _supervisor = new LifecycleSupervisor(loggers.CreateLogger("org.apache.flume.lifecycle.LifecycleSupervisor"), time);
    }

    public BuiltAgent? Current => _current;

    /// <summary>The counter groups of the running configuration.</summary>
    public MetricsRegistry Metrics { get; }

    /// <summary>Stops the running configuration (if any) and starts <paramref name="next"/>.</summary>
    public async Task ApplyAsync(BuiltAgent next, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is not null)
            {
                await StopCoreAsync(_current, keep: next.Channels, reload: true, cancellationToken).ConfigureAwait(false);
            }

            _current = next;
            _logger.LogInformation(
                "Starting new configuration:{{ sourceRunners:{{{Sources}}} sinkRunners:{{{Sinks}}} channels:{{{Channels}}} }}",
                string.Join(", ", next.SourceRunners.Select(s => s.Name)),
                string.Join(", ", next.SinkRunners.Select(s => s.Name)),
                string.Join(", ", next.Channels.Select(c => c.Name)));

            foreach (var ch in next.Channels)
            {
                _logger.LogInformation("Starting Channel {Channel}", ch.Name);
                await ch.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            await WaitForChannelsAsync(next.Channels, cancellationToken).ConfigureAwait(false);

            foreach (var sink in next.SinkRunners)
            {
                _logger.LogInformation("Starting Sink {Sink}", sink.Name);
                _ = _supervisor.Supervise(sink);
            }

            foreach (var source in next.SourceRunners)
            {
                _logger.LogInformation("Starting Source {Source}", source.Name);
                _ = _supervisor.Supervise(source);
            }

            Metrics.Publish(next.CounterGroups());
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is not null)
            {
                await StopCoreAsync(_current, keep: Array.Empty<IChannel>(), reload: false, cancellationToken).ConfigureAwait(false);
                _current = null;
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _lock.Dispose();
    }

    private async Task StopCoreAsync(BuiltAgent agent, IReadOnlyList<IChannel> keep, bool reload, CancellationToken cancellationToken)
    {
        _logger.LogInformation("Shutting down configuration: {Components}", string.Join(", ", agent.SourceRunners.Select(s => s.Name).Concat(agent.SinkRunners.Select(s => s.Name)).Concat(agent.Channels.Select(c => c.Name))));
        foreach (var source in agent.SourceRunners)
        {
            _logger.LogInformation("Stopping Source {Source}", source.Name);
            await _supervisor.UnsuperviseAsync(source, cancellationToken).ConfigureAwait(false);
        }

        await DrainAsync(agent, _drain, cancellationToken).ConfigureAwait(false);
        foreach (var sink in agent.SinkRunners)
        {
            _logger.LogInformation("Stopping Sink {Sink}", sink.Name);
            await _supervisor.UnsuperviseAsync(sink, cancellationToken).ConfigureAwait(false);
        }

        foreach (var ch in agent.Channels)
        {
            if (keep.Contains(ch))
            {
                continue;
            }

            ReportLost(ch, reload);
            _logger.LogInformation("Stopping Channel {Channel}", ch.Name);
            await ch.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until every channel has started or failed (a file channel replays its log first), as Flume's
    /// Application does before it starts sink and source runners.
    /// </summary>
    private async Task WaitForChannelsAsync(IReadOnlyList<IChannel> channels, CancellationToken cancellationToken)
    {
        foreach (var ch in channels)
        {
            while (ch.State is not (LifecycleState.Start or LifecycleState.Error or LifecycleState.Stop))
            {
                _logger.LogInformation("Waiting for channel: {Channel} to start. Sleeping for 500 ms", ch.Name);
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A non-durable channel that goes away (agent stop, or a reload without it) loses what it still holds: one WARN
    /// with the number, taken after the sinks stopped (so a batch they rolled back is counted).
    /// </summary>
    private void ReportLost(IChannel channel, bool reload)
    {
        if (channel is not IChannelBacklog { IsDurable: false } backlog || backlog.Backlog is var lost && lost <= 0)
        {
            return;
        }

        if (reload)
        {
            _logger.LogWarning("Channel {Channel} is not part of the new configuration and still holds {Count} events; they are lost", channel.Name, lost);
        }
        else
        {
            _logger.LogWarning("Channel {Channel} still holds {Count} events at shutdown; they are lost (the channel is not durable)", channel.Name, lost);
        }
    }

    /// <summary>Gives running sinks a short while to empty the channels whose events would not survive the stop.</summary>
    private static async Task DrainAsync(BuiltAgent agent, TimeSpan limit, CancellationToken cancellationToken)
    {
        var volatileChannels = agent.Channels.OfType<IChannelBacklog>().Where(c => !c.IsDurable).ToArray();
        if (volatileChannels.Length == 0 || agent.SinkRunners.All(s => s.State != LifecycleState.Start))
        {
            return;
        }

        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline && volatileChannels.Any(m => m.Backlog > 0))
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }
}
