using System.Globalization;
using FlumeNet.Runtime;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace FlumeNet.Agent;

/// <summary>
/// Flume's console layout <c>%d (%t) [%p - %l] %m%n</c>:
/// <c>2026-11-25 04:11:11,136 (main) [INFO - org.apache.flume.node.Application] Starting Channel c1</c>.
/// Property values are written as they are (no quotes), as log4j would.
/// </summary>
internal sealed class ConsoleLayout : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write(logEvent.Timestamp.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture));
        output.Write(" (");
        output.Write(Thread(logEvent));
        output.Write(") [");
        output.Write(Level(logEvent.Level));
        output.Write(" - ");
        output.Write(Category(logEvent));
        output.Write("] ");
        WriteMessage(logEvent, output);
    }

    /// <summary>The logger name (Flume's class name, or for the logger sink its location).</summary>
    public static string Category(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("SourceContext", out var s) && s is ScalarValue { Value: string sc } ? sc : "flume";

    public static string Thread(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("ThreadName", out var t) && t is ScalarValue { Value: string tn } ? tn : "main";

    /// <summary>The rendered message (property values as they are, no quotes), a newline, then the exception if any.</summary>
    public static void WriteMessage(LogEvent logEvent, TextWriter output)
    {
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is TextToken text)
            {
                output.Write(text.Text);
            }
            else if (token is PropertyToken prop)
            {
                if (logEvent.Properties.TryGetValue(prop.PropertyName, out var value))
                {
                    output.Write(value is ScalarValue { Value: var v } ? Convert.ToString(v, CultureInfo.InvariantCulture) : value.ToString());
                }
                else
                {
                    output.Write(prop.ToString());
                }
            }
        }

        output.Write('\n');
        if (logEvent.Exception is not null)
        {
            output.Write(logEvent.Exception.ToString());
            output.Write('\n');
        }
    }

    public static string Level(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "TRACE",
        LogEventLevel.Debug => "DEBUG",
        LogEventLevel.Information => "INFO",
        LogEventLevel.Warning => "WARN",
        LogEventLevel.Error => "ERROR",
        _ => "FATAL",
    };
}

/// <summary>Adds the logical thread name (<see cref="ThreadNames"/>) to every event.</summary>
internal sealed class ThreadNameEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        var name = ThreadNames.Current ?? Thread.CurrentThread.Name ?? "main";
        logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("ThreadName", name));
    }
}
