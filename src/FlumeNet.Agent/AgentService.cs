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
        _runtime = new AgentRuntime(loggers, TimeProvider.System, drain: DrainPeriod(cli));
    }

    /// <summary>How long sinks may drain non-durable channels at stop: <c>-Dflume.shutdown.drainSeconds</c>, default 2 s.</summary>
    public static TimeSpan DrainPeriod(CommandLine cli) =>
        cli.SystemProperties.TryGetValue("flume.shutdown.drainSeconds", out var v) && TryParseDrain(v, out var period) ? period : TimeSpan.FromSeconds(2);

    /// <summary>A drain period in seconds (decimals allowed), 0..3600.</summary>
    public static bool TryParseDrain(string text, out TimeSpan period)
    {
        var ok = double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 0 && s <= 3600;
        period = ok ? TimeSpan.FromSeconds(s) : TimeSpan.Zero;
        return ok;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        ThreadNames.Current = "agent-shutdown-hook";
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _runtime.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogError("Stopping the configuration failed: {Message}", ex.Message);
        }

        if (_monitor is not null)
        {
            await _monitor.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ThreadNames.Current = "main";
        try
        {
            await _runtime.ApplyAsync(_initial, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            _logger.LogError("Starting the configuration failed: {Message}", ex.Message);
        }

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
        string? failure = null; // the read failure last reported, so a file that stays broken is reported once
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_cli.PollIntervalSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    (seen, failure) = await PollAsync(files, seen, failure, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // Whatever goes wrong with one reload, the agent keeps running and polls again.
                    _logger.LogError("Failed to load configuration data: {Message}; the running configuration stays in place", ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// One poll: a file that cannot be read is reported (once per distinct failure) and tried again at the next poll;
    /// a changed write time, or a file that can be read again after a failure, re-applies the configuration.
    /// </summary>
    private async Task<(DateTime Seen, string? Failure)> PollAsync(string[] files, DateTime seen, string? failure, CancellationToken stoppingToken)
    {
        if (AgentConfigLoader.FirstUnreadable(files) is var (file, reason))
        {
            var text = $"{file}: {AgentConfigLoader.ReadFailure(reason)}; the running configuration stays in place";
            if (text != failure)
            {
                _logger.LogError("{Failure}", text);
            }

            return (seen, text);
        }

        var now = AgentConfigLoader.LastWrite(files);
        if (now == seen && failure is null)
        {
            return (seen, null);
        }

        _logger.LogInformation("Reloading configuration file:{Files}", string.Join(", ", files));
        var built = ConfigurationStep.TryBuild(_cli, _environment, _loggers, _runtime.Current?.Channels);
        if (built is null)
        {
            _logger.LogError("The changed configuration cannot be used; the running configuration stays in place");
            return (now, null);
        }

        await _runtime.ApplyAsync(built, stoppingToken).ConfigureAwait(false);
        return (now, null);
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
