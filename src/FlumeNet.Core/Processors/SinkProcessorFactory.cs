using FlumeNet.Configuration;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Processors;

/// <summary>
/// The table of sink processor types: alias (case-insensitive) or Flume class name → processor.
/// Building (validate every key, collect every problem) happens before anything runs. Loggers are named
/// after Flume's classes, as the rest of the runtime does.
/// </summary>
internal static class SinkProcessorFactory
{
    public const string DefaultClassName = "org.apache.flume.sink.DefaultSinkProcessor";
    public const string FailoverClassName = "org.apache.flume.sink.FailoverSinkProcessor";
    public const string LoadBalancingClassName = "org.apache.flume.sink.LoadBalancingSinkProcessor";

    private static readonly (string Alias, string ClassName)[] Types =
    [
        ("default", DefaultClassName),
        ("failover", FailoverClassName),
        ("load_balance", LoadBalancingClassName),
    ];

    /// <summary>The processor aliases, in table order.</summary>
    public static IEnumerable<string> Aliases => Types.Select(t => t.Alias);

    /// <summary>
    /// Validates the group's processor keys and builds the processor. <paramref name="ctx"/> holds the keys
    /// relative to <c>processor.</c>. Returns null when an error was recorded (the group is dropped).
    /// </summary>
    public static ISinkProcessor? Create(string? processorType, string groupName, IReadOnlyList<ISink> sinks, ComponentContext ctx, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        var before = ctx.Problems.Count;
        var alias = Resolve(processorType, groupName, ctx);
        if (alias is null)
        {
            return null;
        }

        var names = sinks.Select(s => s.Name).ToArray();
        switch (alias)
        {
            case "default":
                DefaultSinkProcessor.Validate(groupName, names, ctx);
                return HasNewErrors(ctx, before) ? null
                    : new DefaultSinkProcessor(groupName, sinks, ctx, time, loggerFactory.CreateLogger(DefaultClassName));
            case "failover":
                var failover = FailoverSinkProcessor.Validate(groupName, names, ctx);
                return HasNewErrors(ctx, before) ? null
                    : new FailoverSinkProcessor(groupName, sinks, failover, time, loggerFactory.CreateLogger(FailoverClassName));
            default:
                var loadBalancing = LoadBalancingSinkProcessor.Validate(groupName, names, ctx);
                return HasNewErrors(ctx, before) ? null
                    : new LoadBalancingSinkProcessor(groupName, sinks, loadBalancing, time, loggerFactory.CreateLogger(LoadBalancingClassName));
        }
    }

    /// <summary>The alias for a <c>processor.type</c> value, or null after recording an error.</summary>
    internal static string? Resolve(string? processorType, string groupName, ComponentContext ctx)
    {
        ctx.MarkKnown("type");
        var type = processorType is null ? null : ComponentContext.JavaTrim(processorType);
        if (string.IsNullOrEmpty(type))
        {
            ctx.Error(
                "type",
                $"processor.type is required for sink group {groupName} (one of {string.Join(", ", Aliases)}); "
                + "the group is dropped, as in Flume ('Sink Processor type null is a custom type')");
            return null;
        }

        foreach (var (alias, className) in Types)
        {
            if (type.Equals(alias, StringComparison.OrdinalIgnoreCase) || type.Equals(className, StringComparison.Ordinal))
            {
                return alias;
            }
        }

        var near = ProcessorConfig.Nearest(type, Types.SelectMany(t => new[] { t.Alias, t.ClassName }));
        var hint = near is not null
            ? $"did you mean {near}?"
            : $"known types: {string.Join(", ", Aliases)}";
        var what = type.Contains('.', StringComparison.Ordinal) && near is null
            ? "is not a supported sink processor (custom processor classes are not supported)"
            : "is not a sink processor type";
        ctx.Error("type", $"'{processorType}' {what} ({hint}){ComponentContext.HashHint(processorType!)}; sink group {groupName} is dropped");
        return null;
    }

    private static bool HasNewErrors(ComponentContext ctx, int before) =>
        ctx.Problems.Skip(before).Any(p => p.Severity != ProblemSeverity.Warning);
}
