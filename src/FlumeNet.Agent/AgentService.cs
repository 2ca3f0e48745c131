using FlumeNet.Configuration;
using FlumeNet.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Agent;

/// <summary>
/// Runs the agent for the host: applies the configuration built at start-up, polls the files for changes
/// and re-applies, and stops everything in order when the host stops (SIGTERM, Ctrl-C).
/// </summary>
internal sealed class AgentService : BackgroundService
{
    private readonly CommandLine _cli;
    private readonly BuiltAgent _initial;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly AgentRuntime _runtime;
    private readonly ConfigurationEnvironment _environment;
    private readonly MonitoringOptions? _monitoring;
    private MonitoringServer? _monitor;

    public AgentService(CommandLine cli, BuiltAgent initial, ConfigurationEnvironment environment, ILoggerFactory loggers, MonitoringRequest monitoring)
    {
        _monitoring = monitoring.Options;
        _cli = cli;
        _initial = initial;
        _environment = environment;
        _loggers = loggers;
        _logger = loggers.CreateLogger("org.apache.flume.node.PollingPropertiesFileConfigurationProvider");
        _runtime = new AgentRuntime(loggers, TimeProvider.System);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        ThreadNames.Current = "agent-shutdown-hook";
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _runtime.StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_monitor is not null)
        {
            await _monitor.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ThreadNames.Current = "main";
        await _runtime.ApplyAsync(_initial, stoppingToken).ConfigureAwait(false);
        if (_monitoring is not null)
        {
            // As Flume: served once the components have started; it then follows reloads through the registry.
            var monitor = new MonitoringServer(_runtime.Metrics, _cli.Name!, _loggers.CreateLogger("org.apache.flume.instrumentation.http.HTTPMetricsServer"));
            if (await monitor.StartAsync(_monitoring, stoppingToken).ConfigureAwait(false))
            {
                _monitor = monitor;
            }
        }

        if (_cli.NoReload)
        {
            return;
        }

        ThreadNames.Current = "conf-file-poller-0";
        var files = _cli.ConfFiles.Select(Path.GetFullPath).ToArray();
        var seen = AgentConfigLoader.LastWrite(files);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_cli.PollIntervalSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var now = AgentConfigLoader.LastWrite(files);
                if (now <= seen)
                {
                    continue;
                }

                seen = now;
                _logger.LogInformation("Reloading configuration file:{Files}", string.Join(", ", files));
                var built = ConfigurationStep.TryBuild(_cli, _environment, _loggers, _runtime.Current?.Channels);
                if (built is null)
                {
                    _logger.LogError("The changed configuration cannot be used; the running configuration stays in place");
                    continue;
                }

                await _runtime.ApplyAsync(built, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>The monitoring endpoint the command line asked for (null: none).</summary>
internal sealed record MonitoringRequest(MonitoringOptions? Options);

/// <summary>Reads, validates and builds the agent's configuration, logging each problem once (one line, with its key).</summary>
internal static class ConfigurationStep
{
    /// <summary>
    /// The built agent, or null when the configuration cannot be used (a fatal problem, or no agent of that
    /// name). <paramref name="previousChannels"/> lets a reload keep its memory channels.
    /// </summary>
    public static BuiltAgent? TryBuild(CommandLine cli, ConfigurationEnvironment environment, ILoggerFactory loggers, IReadOnlyList<IChannel>? previousChannels = null)
    {
        var result = AgentConfigLoader.Load(cli.ConfFiles, cli.Name!, environment, ComponentRegistry.Default);
        var logger = loggers.CreateLogger("org.apache.flume.conf.FlumeConfiguration");
        foreach (var p in result.Problems)
        {
            logger.Log(p.Severity == ProblemSeverity.Warning ? LogLevel.Warning : LogLevel.Error, "{Key}: {Message}", p.Key, p.Message);
        }

        if (result.Problems.Any(p => p.Severity == ProblemSeverity.Fatal))
        {
            return null;
        }

        if (result.Agent is null)
        {
            // Validation says why (agent missing or invalid) unless it found nothing to say.
            if (result.Problems.All(p => p.Severity == ProblemSeverity.Warning))
            {
                logger.LogError("No configuration found for this host:{Name}", cli.Name);
            }

            return null;
        }

        var built = new AgentBuilder(ComponentRegistry.Default, new BuildServices(loggers, TimeProvider.System, environment.SystemProperties))
            .Build(result.Agent, previousChannels);
        return built.Problems.Any(p => p.Severity == ProblemSeverity.Fatal) ? null : built;
    }
}
