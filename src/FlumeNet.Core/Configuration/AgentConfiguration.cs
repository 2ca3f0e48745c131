namespace FlumeNet.Configuration;

/// <summary>
/// One component as the properties file declares it. <see cref="Properties"/> holds every key under the
/// component (relative: <c>type</c>, <c>batchSize</c>, <c>selector.type</c>, …), values already trimmed and
/// substituted.
/// </summary>
public sealed record ComponentConfig(string Name, string Type, IReadOnlyDictionary<string, string> Properties, string KeyPrefix);

/// <summary>A source that survived validation: its channels are the surviving ones, in configuration order.</summary>
public sealed record SourceConfig(ComponentConfig Component, IReadOnlyList<string> Channels);

/// <summary>A sink that survived validation, bound to exactly one surviving channel.</summary>
public sealed record SinkConfig(ComponentConfig Component, string Channel);

/// <summary>A sink group that survived validation; <see cref="Processor"/> holds the <c>processor.*</c> keys without the prefix.</summary>
public sealed record SinkGroupConfig(string Name, IReadOnlyList<string> Sinks, string? ProcessorType, IReadOnlyDictionary<string, string> Processor, string KeyPrefix);

/// <summary>The validated model of one agent (components in configuration order).</summary>
public sealed record AgentConfiguration(
    string AgentName,
    IReadOnlyList<ComponentConfig> Channels,
    IReadOnlyList<SourceConfig> Sources,
    IReadOnlyList<SinkConfig> Sinks,
    IReadOnlyList<SinkGroupConfig> SinkGroups);

/// <summary>What validation yields: the agent (null when absent or invalid) and every problem found.</summary>
public sealed record ValidationResult(AgentConfiguration? Agent, IReadOnlyList<ConfigProblem> Problems);
