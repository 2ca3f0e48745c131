using FlumeNet.Agent;
using FlumeNet.Configuration;
using FlumeNet.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

return await FlumeCli.RunAsync(args);

/// <summary>The <c>flume-ng</c> command: parse, build the host, run. Nothing else lives here.</summary>
internal static class FlumeCli
{
    public const string Version = "1.11.0";

    public static async Task<int> RunAsync(string[] args)
    {
        CommandLine cli;
        try
        {
            cli = CommandLine.Parse(args);
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"Error: {ex.Message}");
            Console.Error.WriteLine();
            Console.Error.Write(HelpText);
            return 1;
        }

        switch (cli.Command)
        {
            case "help":
                Console.Out.Write(HelpText);
                return 0;
            case "version":
                Console.Out.WriteLine($"Flume {Version}");
                Console.Out.WriteLine($"FlumeNet {typeof(FlumeCli).Assembly.GetName().Version} on .NET {Environment.Version}");
                return 0;
            case "agent" or "node":
                return await RunAgentAsync(cli).ConfigureAwait(false);
            case "avro-client":
                using (var loggers = CreateLoggers(cli))
                {
                    return await AvroClientCommand.RunAsync(cli, loggers).ConfigureAwait(false);
                }

            default:
                Console.Error.WriteLine($"Error: Unknown or unspecified command '{cli.Command}'");
                Console.Error.WriteLine();
                Console.Error.Write(HelpText);
                return 1;
        }
    }

    private static async Task<int> RunAgentAsync(CommandLine cli)
    {
        if (cli.Help)
        {
            Console.Out.Write(HelpText);
            return 0;
        }

        if (string.IsNullOrEmpty(cli.Name))
        {
            Console.Error.WriteLine("Error: Missing required option: n (--name <agent name>)");
            return 1;
        }

        if (cli.ConfFiles.Count == 0)
        {
            Console.Error.WriteLine("Error: No configuration was provided (use --conf-file <file>)");
            return 1;
        }

        if (AgentConfigLoader.FirstUnreadable(cli.ConfFiles) is var (file, reason))
        {
            Console.Error.WriteLine($"Error: --conf-file: unable to read {file}: {reason}");
            return 1;
        }

        if (cli.ConfDir is null)
        {
            Console.Error.WriteLine("Warning: No configuration directory set! Use --conf <dir> to override.");
        }

        var loggers = CreateLoggers(cli);
        var logger = loggers.CreateLogger("org.apache.flume.node.Application");
        var environment = new ConfigurationEnvironment(cli.SystemProperties);
        var monitoring = MonitoringOptions.FromSystemProperties(cli.SystemProperties, logger);
        if (cli.SystemProperties.TryGetValue("flume.shutdown.drainSeconds", out var drain) && !AgentService.TryParseDrain(drain, out _))
        {
            logger.LogWarning("-Dflume.shutdown.drainSeconds={Value}: not a number of seconds in 0..3600; using 2", drain);
        }

        BuiltAgent? built;
        try
        {
            built = ConfigurationStep.TryBuild(cli, environment, loggers);
        }
        catch (Exception ex)
        {
            // Nothing a configuration holds may crash the process: one line, exit 1.
            logger.LogError("Failed to build the configuration: {Message}", ex.Message);
            built = null;
        }

        if (built is null)
        {
            loggers.Dispose();
            return 1;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = Array.Empty<string>() });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILoggerFactory>(loggers);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o =>
        {
            // The agent's own stop waits for the drain period; the host must not give up before it.
            o.ShutdownTimeout = AgentService.DrainPeriod(cli) + TimeSpan.FromSeconds(10);
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore;
        });
        builder.Services.AddSingleton(cli);
        builder.Services.AddSingleton(built);
        builder.Services.AddSingleton(environment);
        builder.Services.AddSingleton(new MonitoringRequest(monitoring));
        builder.Services.AddHostedService<AgentService>();
        using var host = builder.Build();
        using var governor = new HeapGovernor();
        await host.RunAsync().ConfigureAwait(false);
        loggers.Dispose();
        return 0;
    }

    /// <summary>
    /// Logging as <c>-Dflume.root.logger=LEVEL,appender[,appender]</c> asks: <c>console</c> (standard error, Flume's
    /// console layout) and/or <c>LOGFILE</c> (Flume's file layout, rolled; see <see cref="LogFileOptions"/>).
    /// Without the property, INFO to the console.
    /// </summary>
    private static SerilogLoggerFactory CreateLoggers(CommandLine cli)
    {
        var spec = cli.SystemProperties.TryGetValue("flume.root.logger", out var v) ? v : "INFO,console";
        var parts = spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var level = (parts.Length > 0 ? parts[0] : "INFO").ToUpperInvariant() switch
        {
            "TRACE" or "ALL" => LogEventLevel.Verbose,
            "DEBUG" => LogEventLevel.Debug,
            "WARN" => LogEventLevel.Warning,
            "ERROR" => LogEventLevel.Error,
            "FATAL" or "OFF" => LogEventLevel.Fatal,
            _ => LogEventLevel.Information,
        };
        var toFile = parts.Skip(1).Any(p => p.Equals("LOGFILE", StringComparison.OrdinalIgnoreCase));
        var toConsole = parts.Skip(1).Any(p => p.Equals("console", StringComparison.OrdinalIgnoreCase)) || !toFile;
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .Enrich.With(new ThreadNameEnricher());
        if (toConsole)
        {
            config = config.WriteTo.Console(new ConsoleLayout(), standardErrorFromLevel: LogEventLevel.Verbose);
        }

        if (toFile)
        {
            var options = LogFileOptions.FromSystemProperties(cli.SystemProperties, warning => Console.Error.WriteLine("Warning: " + warning));
            config = config.WriteTo.Sink(new RollingLogFile(options, new LogFileLayout()));
        }

        return new SerilogLoggerFactory(config.CreateLogger(), dispose: true);
    }

    private const string HelpText = """
Usage: flume-ng <command> [options]...

commands:
  help                      display this help text
  agent                     run a Flume agent
  avro-client               run an avro Flume client
  version                   show Flume version info

global options:
  --conf,-c <conf>          use configs in <conf> directory
  -Dproperty=value          sets a system property value (e.g. -Dflume.root.logger=INFO,console)

agent options:
  --name,-n <name>          the name of this agent (required)
  --conf-file,-f <file>     specify a config file (required; may be repeated)
  --no-reload-conf          do not reload config file if changed
  --poll-interval,-i <s>    seconds between checks of the config files (default 30)
  --help,-h                 display help text

avro-client options:
  --rpcProps,-P <file>      RPC client properties file with server connection params
  --host,-H <host>          hostname to which events will be sent
  --port,-p <port>          port of the avro source
  --dirname <dir>           directory to stream to avro source
  --filename,-F <file>      text file to stream to avro source (default: std input)
  --headerFile,-R <file>    File containing event headers as key/value pairs on each new line
  --help,-h                 display help text

""";
}
