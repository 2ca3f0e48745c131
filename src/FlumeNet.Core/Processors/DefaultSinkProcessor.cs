using FlumeNet.Configuration;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Processors;

/// <summary>
/// Flume's <c>default</c> sink processor (<c>org.apache.flume.sink.DefaultSinkProcessor</c>): exactly one
/// sink; <see cref="ProcessAsync"/> is that sink's, and its exceptions reach the runner unchanged.
/// It has no keys.
/// </summary>
internal sealed class DefaultSinkProcessor : SinkProcessorBase
{
    /// <summary>Flume's message when a default group holds more than one sink (the group is dropped).</summary>
    public const string TooManySinksMessage = "DefaultSinkPolicy can only handle one sink, try using a policy that supports multiple sinks";

    private readonly ISink _sink;

    public DefaultSinkProcessor(string groupName, IReadOnlyList<ISink> sinks, ComponentContext processorContext, TimeProvider time, ILogger logger)
        : base(groupName, sinks)
    {
        ArgumentNullException.ThrowIfNull(processorContext);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        if (sinks.Count != 1)
        {
            throw new ConfigurationException($"{ProcessorConfig.GroupKey(processorContext, "sinks")}: {TooManySinksMessage}");
        }

        _sink = sinks[0];
    }

    /// <summary>Checks the group: exactly one sink; no processor keys besides <c>type</c>.</summary>
    public static void Validate(string groupName, IReadOnlyList<string> sinkNames, ComponentContext ctx)
    {
        ArgumentNullException.ThrowIfNull(sinkNames);
        ArgumentNullException.ThrowIfNull(ctx);
        if (sinkNames.Count > 1)
        {
            ProcessorConfig.GroupError(ctx, "sinks", $"{TooManySinksMessage} (group {groupName} has {string.Join(" ", sinkNames)})");
        }
        else if (sinkNames.Count == 0)
        {
            ProcessorConfig.GroupError(ctx, "sinks", $"the default sink processor needs exactly one sink; group {groupName} has none");
        }

        ProcessorConfig.WarnUnknownKeys(ctx, "default", []);
    }

    public override ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken) => _sink.ProcessAsync(cancellationToken);
}
