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
    private BuiltAgent? _current;

    public AgentRuntime(ILoggerFactory loggers, TimeProvider time, MetricsRegistry? metrics = null)
    {
        Metrics = metrics ?? new MetricsRegistry();
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
                await StopCoreAsync(_current, keep: next.Channels, cancellationToken).ConfigureAwait(false);
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
                await StopCoreAsync(_current, keep: Array.Empty<IChannel>(), cancellationToken).ConfigureAwait(false);
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

    private async Task StopCoreAsync(BuiltAgent agent, IReadOnlyList<IChannel> keep, CancellationToken cancellationToken)
    {
        _logger.LogInformation("Shutting down configuration: {Components}", string.Join(", ", agent.SourceRunners.Select(s => s.Name).Concat(agent.SinkRunners.Select(s => s.Name)).Concat(agent.Channels.Select(c => c.Name))));
        foreach (var source in agent.SourceRunners)
        {
            _logger.LogInformation("Stopping Source {Source}", source.Name);
            await _supervisor.UnsuperviseAsync(source, cancellationToken).ConfigureAwait(false);
        }

        await DrainAsync(agent, TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
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

            _logger.LogInformation("Stopping Channel {Channel}", ch.Name);
            await ch.StopAsync(cancellationToken).ConfigureAwait(false);
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
