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

    public AgentService(CommandLine cli, BuiltAgent initial, ConfigurationEnvironment environment, ILoggerFactory loggers)
    {
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
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ThreadNames.Current = "main";
        await _runtime.ApplyAsync(_initial, stoppingToken).ConfigureAwait(false);
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
                var result = AgentConfigLoader.Load(files, _cli.Name!, _environment, ComponentRegistry.Default);
                ConfigReport.Log(_loggers, result.Problems);
                if (result.Problems.Any(p => p.Severity == ProblemSeverity.Fatal) || result.Agent is null)
                {
                    _logger.LogError("The changed configuration cannot be used; the running configuration stays in place");
                    continue;
                }

                var built = new AgentBuilder(ComponentRegistry.Default, new BuildServices(_loggers, TimeProvider.System, _environment.SystemProperties))
                    .Build(result.Agent, _runtime.Current?.Channels);
                if (built.Problems.Any(p => p.Severity == ProblemSeverity.Fatal))
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

/// <summary>Logs configuration problems, one line each.</summary>
internal static class ConfigReport
{
    public static void Log(ILoggerFactory loggers, IEnumerable<ConfigProblem> problems)
    {
        var logger = loggers.CreateLogger("org.apache.flume.conf.FlumeConfiguration");
        foreach (var p in problems)
        {
            logger.Log(p.Severity == ProblemSeverity.Warning ? LogLevel.Warning : LogLevel.Error, "{Key}: {Message}", p.Key, p.Message);
        }
    }
}
