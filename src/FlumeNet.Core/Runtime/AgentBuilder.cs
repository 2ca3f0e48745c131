using FlumeNet.Channels;
using FlumeNet.Configuration;
using FlumeNet.Processors;
using FlumeNet.Selectors;
using FlumeNet.Sources;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Runtime;

/// <summary>The components of one materialised configuration, ready to start.</summary>
public sealed record BuiltAgent(
    IReadOnlyList<IChannel> Channels,
    IReadOnlyList<IComponent> SourceRunners,
    IReadOnlyList<SinkRunner> SinkRunners,
    IReadOnlyList<ConfigProblem> Problems)
{
    public bool IsEmpty => Channels.Count == 0 && SourceRunners.Count == 0 && SinkRunners.Count == 0;

    /// <summary>The counter groups of the components this configuration runs (channels, sources, sinks).</summary>
    public IEnumerable<Metrics.CounterGroup> CounterGroups()
    {
        var sources = SourceRunners.Select(r => r is PollableSourceRunner p ? p.Source : r);
        var sinks = SinkRunners.SelectMany(r => r.Processor.Sinks);
        return Channels.Cast<object>().Concat(sources).Concat(sinks).OfType<Metrics.IMetered>().Select(m => m.Counters);
    }
}

/// <summary>
/// Instantiates and configures the components of a validated agent (Flume's materialisation pass):
/// a component whose configuration has errors is dropped with one line naming the key, the rest is built.
/// </summary>
public sealed class AgentBuilder
{
    private readonly ComponentRegistry _registry;
    private readonly BuildServices _services;
    private readonly ILogger _logger;

    public AgentBuilder(ComponentRegistry registry, BuildServices services)
    {
        _registry = registry;
        _services = services;
        _logger = services.Loggers.CreateLogger("org.apache.flume.node.AbstractConfigurationProvider");
    }

    /// <summary>
    /// Builds <paramref name="agent"/>. <paramref name="previousChannels"/> are the channels of the running
    /// configuration: a memory channel with the same name and type is reused (its events survive a reload).
    /// </summary>
    public BuiltAgent Build(AgentConfiguration agent, IReadOnlyList<IChannel>? previousChannels = null)
    {
        var problems = new List<ConfigProblem>();
        var channels = BuildChannels(agent, previousChannels, problems);
        var sourceRunners = new List<IComponent>();
        var usedChannels = new HashSet<IChannel>(ReferenceEqualityComparer.Instance);

        foreach (var source in agent.Sources)
        {
            var runner = BuildSource(source, channels, problems, usedChannels);
            if (runner is not null)
            {
                sourceRunners.Add(runner);
            }
        }

        var sinks = new Dictionary<string, ISink>(StringComparer.Ordinal);
        foreach (var sink in agent.Sinks)
        {
            var built = BuildSink(sink, channels, problems);
            if (built is not null)
            {
                sinks[sink.Component.Name] = built;
            }
        }

        var sinkRunners = new List<SinkRunner>();
        var grouped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in agent.SinkGroups)
        {
            // A sink that could not be built leaves the group; the group runs with the sinks it still has
            // (Flume empties the whole agent instead).
            var members = new List<ISink>();
            foreach (var name in group.Sinks)
            {
                grouped.Add(name);
                if (sinks.TryGetValue(name, out var s))
                {
                    members.Add(s);
                }
                else
                {
                    Report(problems, new ConfigProblem(ProblemSeverity.Error, group.KeyPrefix + "sinks", $"Sink {name} of group {group.Name} does not exist or is not properly configured; the group runs without it"));
                }
            }

            if (members.Count == 0)
            {
                Report(problems, new ConfigProblem(ProblemSeverity.Error, group.KeyPrefix + "sinks", $"No available sinks for sinkgroup: {group.Name}. Sinkgroup will be removed"));
                continue;
            }

            var ctx = new ComponentContext(group.Name, group.KeyPrefix + "processor.", group.Processor);
            foreach (var missing in group.Sinks.Where(n => !sinks.ContainsKey(n)))
            {
                ctx.MarkKnown("priority." + missing); // already reported above; not a typo
            }

            var processor = SinkProcessorFactory.Create(group.ProcessorType, group.Name, members, ctx, _services.Time, _services.Loggers);
            ReportAll(problems, ctx.Problems);
            if (processor is null)
            {
                Report(problems, new ConfigProblem(ProblemSeverity.Error, group.KeyPrefix + "processor.type", $"SinkGroup {group.Name} has been removed due to an error during configuration"));
                continue;
            }

            foreach (var m in members)
            {
                usedChannels.Add(m.Channel);
            }

            sinkRunners.Add(new SinkRunner(group.Name, processor, ProcessorClassName(processor), _services.Loggers.CreateLogger("org.apache.flume.SinkRunner"), _services.Time));
        }

        foreach (var sink in agent.Sinks)
        {
            if (grouped.Contains(sink.Component.Name) || !sinks.TryGetValue(sink.Component.Name, out var s))
            {
                continue;
            }

            var ctx = new ComponentContext(sink.Component.Name, sink.Component.KeyPrefix + "processor.", new Dictionary<string, string>());
            var processor = SinkProcessorFactory.Create("default", sink.Component.Name, [s], ctx, _services.Time, _services.Loggers)!;
            usedChannels.Add(s.Channel);
            sinkRunners.Add(new SinkRunner(sink.Component.Name, processor, "DefaultSinkProcessor", _services.Loggers.CreateLogger("org.apache.flume.SinkRunner"), _services.Time));
        }

        var kept = new List<IChannel>();
        foreach (var ch in channels.Values)
        {
            if (usedChannels.Contains(ch))
            {
                kept.Add(ch);
            }
            else
            {
                Report(problems, new ConfigProblem(ProblemSeverity.Warning, $"{agent.AgentName}.channels.{ch.Name}", $"Channel {ch.Name} has no components connected and has been removed."));
            }
        }

        return new BuiltAgent(kept, sourceRunners, sinkRunners, problems);
    }

    private static string ProcessorClassName(ISinkProcessor p) => p switch
    {
        FailoverSinkProcessor => "FailoverSinkProcessor",
        LoadBalancingSinkProcessor => "LoadBalancingSinkProcessor",
        _ => "DefaultSinkProcessor",
    };

    /// <summary>Which registration built each live channel: a reload keeps a channel only under the same type.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IChannel, ComponentRegistration> BuiltBy = new();

    private Dictionary<string, IChannel> BuildChannels(AgentConfiguration agent, IReadOnlyList<IChannel>? previous, List<ConfigProblem> problems)
    {
        _logger.LogInformation("Creating channels");
        var result = new Dictionary<string, IChannel>(StringComparer.Ordinal);
        foreach (var c in agent.Channels)
        {
            var reg = _registry.FindRegistration(ComponentKind.Channel, c.Type);
            var ctx = new ComponentContext(c.Name, c.KeyPrefix, c.Properties);
            if (reg?.Factory is not ChannelFactory factory)
            {
                Report(problems, Unresolved(c, ComponentKind.Channel));
                continue;
            }

            _logger.LogInformation("Creating instance of channel {Channel} type {Type}", c.Name, c.Type);
            IChannel? channel;
            if (previous?.FirstOrDefault(p => p.Name == c.Name) is IReconfigurableChannel old
                && BuiltBy.TryGetValue(old, out var oldReg) && oldReg == reg)
            {
                channel = old.TryReconfigure(ctx) ? old : null;
            }
            else
            {
                channel = Create(() => factory(c.Name, ctx, _services), ctx);
            }

            if (!Finish(ctx, problems) || channel is null)
            {
                Report(problems, new ConfigProblem(ProblemSeverity.Error, c.KeyPrefix + "type", $"Channel {c.Name} has been removed due to an error during configuration"));
                continue;
            }

            BuiltBy.AddOrUpdate(channel, reg);
            _logger.LogInformation("Created channel {Channel}", c.Name);
            result[c.Name] = channel;
        }

        return result;
    }

    private IComponent? BuildSource(SourceConfig source, Dictionary<string, IChannel> channels, List<ConfigProblem> problems, HashSet<IChannel> used)
    {
        var c = source.Component;
        var reg = _registry.FindRegistration(ComponentKind.Source, c.Type);
        if (reg?.Factory is not SourceFactory factory)
        {
            Report(problems, Unresolved(c, ComponentKind.Source));
            return null;
        }

        _logger.LogInformation("Creating instance of source {Source}, type {Type}", c.Name, c.Type);
        var ctx = new ComponentContext(c.Name, c.KeyPrefix, c.Properties);
        ctx.MarkKnown("type", "channels", "selector.type", "interceptors");
        var sourceChannels = source.Channels.Where(channels.ContainsKey).Select(n => channels[n]).ToArray();
        if (sourceChannels.Length == 0)
        {
            ctx.Error("channels", $"Source {c.Name} is not connected to a channel");
        }

        var selector = BuildSelector(ctx, sourceChannels);
        var interceptors = BuildInterceptors(ctx);
        var processor = new ChannelProcessor(selector, interceptors, _services.Loggers.CreateLogger("org.apache.flume.channel.ChannelProcessor"));
        var component = ctx.HasErrors ? null : Create(() => factory(c.Name, processor, ctx, _services), ctx);
        CheckBatchSize("source", component, sourceChannels, ctx);

        if (!Finish(ctx, problems) || component is null)
        {
            Report(problems, new ConfigProblem(ProblemSeverity.Error, c.KeyPrefix + "type", $"Source {c.Name} has been removed due to an error during configuration"));
            return null;
        }

        foreach (var ch in sourceChannels)
        {
            used.Add(ch);
        }

        return component switch
        {
            IPollableSource pollable => new PollableSourceRunner(pollable, PollableSourceOptions.FromContext(ctx), _services.Loggers.CreateLogger("org.apache.flume.source.PollableSourceRunner"), _services.Time),
            _ => component,
        };
    }

    private IChannelSelector BuildSelector(ComponentContext ctx, IReadOnlyList<IChannel> channels)
    {
        var type = ctx.GetString("selector.type");
        var selectorCtx = ctx.Sub("selector.", ctx.Name);
        selectorCtx.MarkKnown("type");
        if (string.IsNullOrWhiteSpace(type))
        {
            return new ReplicatingChannelSelector(channels, selectorCtx);
        }

        if (_registry.FindRegistration(ComponentKind.ChannelSelector, type)?.Factory is SelectorFactory f)
        {
            var selector = f(channels, selectorCtx);
            ReportUnknownKeys(selectorCtx);
            return selector;
        }

        ctx.Error("selector.type", $"unknown channel selector type '{type}'{Suggest(type, ComponentKind.ChannelSelector)}");
        return new ReplicatingChannelSelector(channels, selectorCtx);
    }

    private List<IInterceptor> BuildInterceptors(ComponentContext ctx)
    {
        var result = new List<IInterceptor>();
        var names = (ctx.GetString("interceptors") ?? string.Empty).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in names)
        {
            var ictx = ctx.Sub("interceptors." + name + ".", name);
            ictx.MarkKnown("type");
            var type = ictx.GetString("type");
            if (string.IsNullOrWhiteSpace(type))
            {
                ictx.Error("type", $"Type not specified for interceptor {name}");
                continue;
            }

            if (_registry.FindRegistration(ComponentKind.Interceptor, type)?.Factory is not InterceptorFactory f)
            {
                ictx.Error("type", $"Interceptor.Builder not found: '{type}'{Suggest(type, ComponentKind.Interceptor)}");
                continue;
            }

            result.Add(f(ictx, _services));
            ReportUnknownKeys(ictx);
        }

        return result;
    }

    private ISink? BuildSink(SinkConfig sink, Dictionary<string, IChannel> channels, List<ConfigProblem> problems)
    {
        var c = sink.Component;
        var reg = _registry.FindRegistration(ComponentKind.Sink, c.Type);
        if (reg?.Factory is not SinkFactory factory)
        {
            Report(problems, Unresolved(c, ComponentKind.Sink));
            return null;
        }

        _logger.LogInformation("Creating instance of sink: {Sink}, type: {Type}", c.Name, c.Type);
        var ctx = new ComponentContext(c.Name, c.KeyPrefix, c.Properties);
        ctx.MarkKnown("type", "channel");
        if (!channels.TryGetValue(sink.Channel, out var channel))
        {
            ctx.Error("channel", $"Sink {c.Name} is not connected to a channel");
            Finish(ctx, problems);
            return null;
        }

        var built = Create(() => factory(c.Name, channel, ctx, _services), ctx);
        CheckBatchSize("sink", built, [channel], ctx);

        if (!Finish(ctx, problems) || built is null)
        {
            Report(problems, new ConfigProblem(ProblemSeverity.Error, c.KeyPrefix + "type", $"Sink {c.Name} has been removed due to an error during configuration"));
            return null;
        }

        return built;
    }

    /// <summary>A batch larger than a channel's transaction capacity could never be put or taken: Flume drops the component.</summary>
    private static void CheckBatchSize(string kind, object? component, IEnumerable<IChannel> channels, ComponentContext ctx)
    {
        if (component is not IBatchingComponent batching)
        {
            return;
        }

        foreach (var ch in channels)
        {
            if (ch is ITransactionalCapacity limited && batching.BatchSize > limited.TransactionCapacity)
            {
                var who = char.ToUpperInvariant(kind[0]) + kind[1..];
                ctx.Error(batching.BatchSizeKey, $"Incompatible {kind} and channel settings defined. {kind}'s batch size is greater than the channels transaction capacity. {who}: {ctx.Name}, batch size = {batching.BatchSize}, channel {ch.Name}, transaction capacity = {limited.TransactionCapacity}");
            }
        }
    }

    private static T? Create<T>(Func<T> factory, ComponentContext ctx)
        where T : class
    {
        try
        {
            return factory();
        }
        catch (Exception ex) when (ex is ConfigurationException or ArgumentException or IOException or FormatException)
        {
            ctx.Error("type", ex.Message);
            return null;
        }
    }

    private ConfigProblem Unresolved(ComponentConfig c, ComponentKind kind) =>
        new(ProblemSeverity.Fatal, c.KeyPrefix + "type", $"Unable to load {kind.ToString().ToLowerInvariant()} type: {c.Type}{Suggest(c.Type, kind)}");

    private string Suggest(string type, ComponentKind kind)
    {
        var best = ConfigDiagnostics.Suggest(type, _registry.All(kind).Select(d => d.Alias));
        return best is null ? string.Empty : $" (did you mean '{best}'?)";
    }

    /// <summary>Reports the component's problems plus its unknown keys; false when it must be dropped.</summary>
    private bool Finish(ComponentContext ctx, List<ConfigProblem> problems)
    {
        ReportUnknownKeys(ctx);
        ReportAll(problems, ctx.Problems);
        return !ctx.HasErrors;
    }

    private static void ReportUnknownKeys(ComponentContext ctx)
    {
        ctx.Problems.AddRange(ConfigDiagnostics.UnknownKeyProblems(ctx));
    }

    private void ReportAll(List<ConfigProblem> problems, IEnumerable<ConfigProblem> found)
    {
        foreach (var p in found.Distinct())
        {
            Report(problems, p);
        }
    }

    private void Report(List<ConfigProblem> problems, ConfigProblem p)
    {
        if (problems.Contains(p))
        {
            return;
        }

        problems.Add(p);
        var level = p.Severity == ProblemSeverity.Warning ? LogLevel.Warning : LogLevel.Error;
        _logger.Log(level, "{Key}: {Message}", p.Key, p.Message);
    }
}
