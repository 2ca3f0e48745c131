namespace FlumeNet.Configuration;

/// <summary>
/// Builds and validates one agent's model from the merged, substituted entries (spec §3, §4), collecting
/// every problem. Flume's outcomes are kept (what is dropped, what invalidates the agent, what aborts);
/// FlumeNet adds warnings where Flume is silent.
/// <para>Deliberate differences: components, lists and steps follow configuration order (Flume iterates
/// Java hash sets, Appendix A); all problems are collected instead of stopping at a component's first one;
/// the unresolvable-type abort of materialisation (§5.1–5.3) is reported here as <see cref="ProblemSeverity.Fatal"/>.</para>
/// <para>A sink group whose <c>processor.type</c> is missing or unknown stays in the model (so the runtime
/// can reproduce Flume: the group is removed at materialisation and its sinks are run by nobody); the
/// builder has already reported it as an <see cref="ProblemSeverity.Error"/>.</para>
/// </summary>
public static class AgentConfigurationBuilder
{
    private static readonly string[] ListKeys = ["sources", "channels", "sinks", "sinkgroups", "configfilters"];

    /// <summary>
    /// The whole pipeline after reading: empty check (§1.7), <c>${...}</c> substitution (§2), then
    /// <see cref="Build"/>.
    /// </summary>
    public static ValidationResult LoadAndValidate(IReadOnlyList<PropertyEntry> merged, string agentName, IComponentCatalog catalog, ConfigurationEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(merged);
        environment ??= ConfigurationEnvironment.Default;
        if (merged.Count == 0)
        {
            return new ValidationResult(null, [new ConfigProblem(ProblemSeverity.Fatal, agentName, "No configuration could be found")]);
        }

        var problems = new List<ConfigProblem>();
        var substituted = PropertySubstitution.Apply(merged, environment, problems);
        var result = Build(substituted, agentName, catalog, environment);
        problems.AddRange(result.Problems);
        return result with { Problems = problems };
    }

    /// <summary>Validates agent <paramref name="agentName"/> from already substituted entries.</summary>
    public static ValidationResult Build(IReadOnlyList<PropertyEntry> entries, string agentName, IComponentCatalog catalog, ConfigurationEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentException.ThrowIfNullOrEmpty(agentName);
        ArgumentNullException.ThrowIfNull(catalog);
        return new Validator(agentName, catalog, environment ?? ConfigurationEnvironment.Default).Run(entries);
    }

    /// <summary>Splits a Flume name list on runs of whitespace; duplicates collapse (first position kept).</summary>
    public static IReadOnlyList<string> SplitList(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return [];
        }

        return value.Split([' ', '\t', '\n', '\r', '\f', '\v'], StringSplitOptions.RemoveEmptyEntries)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The properties of one declared component, relative keys in configuration order.</summary>
    private sealed class RawComponent(string name)
    {
        public string Name { get; } = name;

        public Dictionary<string, string> Props { get; } = new(StringComparer.Ordinal);

        public string? Get(string key) => Props.TryGetValue(key, out var v) ? v : null;
    }

    /// <summary>Components of one kind (sources, sinks, …) in order of first mention.</summary>
    private sealed class Section(string name)
    {
        private readonly Dictionary<string, RawComponent> _byName = new(StringComparer.Ordinal);

        public string Name { get; } = name;

        public string? List { get; set; }

        public List<RawComponent> Ordered { get; } = [];

        public RawComponent GetOrAdd(string name)
        {
            if (!_byName.TryGetValue(name, out var c))
            {
                c = new RawComponent(name);
                _byName[name] = c;
                Ordered.Add(c);
            }

            return c;
        }

        public RawComponent? Find(string name) => _byName.TryGetValue(name, out var c) ? c : null;
    }

    private sealed class Validator(string agent, IComponentCatalog catalog, ConfigurationEnvironment environment)
    {
        private readonly List<ConfigProblem> _problems = [];
        private readonly Dictionary<string, Section> _sections = ListKeys.ToDictionary(k => k, k => new Section(k), StringComparer.Ordinal);
        private readonly HashSet<string> _otherAgents = new(StringComparer.Ordinal);
        private bool _agentSeen;

        private Section Sources => _sections["sources"];

        private Section Channels => _sections["channels"];

        private Section Sinks => _sections["sinks"];

        private Section Groups => _sections["sinkgroups"];

        private Section Filters => _sections["configfilters"];

        public ValidationResult Run(IReadOnlyList<PropertyEntry> entries)
        {
            foreach (var e in entries)
            {
                AddRaw(e.Key, e.Value);
            }

            if (!_agentSeen)
            {
                Error(agent, $"No configuration found for this host:{agent}" + ConfigDiagnostics.DidYouMean(agent, _otherAgents.Order(StringComparer.Ordinal)));
                return Result(null);
            }

            WarnUnlisted();
            ApplyConfigFilters();

            // §4 step 2
            var channelNames = SplitList(Channels.List);
            if (channelNames.Count == 0)
            {
                Error($"{agent}.channels", $"Agent configuration for '{agent}' does not contain any channels. Marking it as invalid.");
                return Invalid();
            }

            // step 3
            var channels = new List<RawComponent>();
            foreach (var name in channelNames)
            {
                var c = Channels.Find(name);
                if (c is null)
                {
                    Error(Key("channels", name), $"channel {name} is listed in {agent}.channels but has no properties; removed" + Unlisted(Channels, channelNames, name));
                    continue;
                }

                if (!HasType(c, "channels", "channel"))
                {
                    continue;
                }

                channels.Add(c);
            }

            if (channels.Count == 0)
            {
                Error($"{agent}.channels", $"Agent configuration for '{agent}' does not contain any valid channels. Marking it as invalid.");
                return Invalid();
            }

            var activeChannels = channels.Select(c => c.Name).ToList();
            var sources = ValidateSources(activeChannels);
            var sinks = ValidateSinks(activeChannels);
            var groups = ValidateGroups(sinks.Select(s => s.Component.Name).ToList());

            // step 7
            if (sources.Count == 0 && sinks.Count == 0)
            {
                Error(agent, $"Agent configuration for '{agent}' has no sources or sinks. Will be marked invalid.");
                return Invalid();
            }

            // Materialisation (§5.1–5.3) aborts on a type that resolves to no class.
            foreach (var c in channels)
            {
                ResolveType(ComponentKind.Channel, "channels", c);
            }

            foreach (var s in sources)
            {
                ResolveType(ComponentKind.Source, "sources", Sources.Find(s.Component.Name)!);
            }

            foreach (var s in sinks)
            {
                ResolveType(ComponentKind.Sink, "sinks", Sinks.Find(s.Component.Name)!);
            }

            var model = new AgentConfiguration(agent, channels.Select(c => ToConfig("channels", c)).ToList(), sources, sinks, groups);
            return Result(model);
        }

        private ValidationResult Invalid()
        {
            Error(agent, $"Agent configuration invalid for agent '{agent}'. It will be removed.");
            return Result(null);
        }

        private ValidationResult Result(AgentConfiguration? model) => new(model, _problems);

        // §3.1 key shapes.
        private void AddRaw(string key, string value)
        {
            int dot = key.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && !string.Equals(key[..dot], agent, StringComparison.Ordinal))
            {
                // Another agent's key: validated by Flume too, but never used; not reported.
                _otherAgents.Add(key[..dot]);
                return;
            }

            if (value.Length == 0)
            {
                Warn(key, $"Configuration property ignored: {key} = {value}(empty value)");
                return;
            }

            if (dot <= 0 || dot == key.Length - 1)
            {
                Warn(key, $"Configuration property ignored: {key} = {value}");
                return;
            }

            _agentSeen = true;
            var rest = key[(dot + 1)..];
            if (_sections.TryGetValue(rest, out var listSection))
            {
                listSection.List = value;
                return;
            }

            foreach (var section in _sections.Values)
            {
                var prefix = section.Name + ".";
                if (!rest.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                int next = rest.IndexOf('.', prefix.Length + 1);
                if (next < 0 || next == rest.Length - 1)
                {
                    break;
                }

                section.GetOrAdd(rest[prefix.Length..next]).Props[rest[(next + 1)..]] = value;
                return;
            }

            Warn(key, $"Configuration property ignored: {key} = {value} (Invalid property specified: {rest}{ShapeHint(rest)})");
        }

        private string ShapeHint(string rest)
        {
            int dot = rest.IndexOf('.', StringComparison.Ordinal);
            var head = dot < 0 ? rest : rest[..dot];
            if (_sections.ContainsKey(head))
            {
                return $"; expected {agent}.{head}.<name>.<key>";
            }

            var suggestion = ConfigDiagnostics.Suggest(head, ListKeys);
            if (suggestion is null)
            {
                return string.Empty;
            }

            return $"; did you mean '{agent}.{suggestion}{(dot < 0 ? string.Empty : rest[dot..])}'?";
        }

        private void WarnUnlisted()
        {
            foreach (var section in _sections.Values)
            {
                var listed = SplitList(section.List);
                foreach (var c in section.Ordered)
                {
                    if (!listed.Contains(c.Name, StringComparer.Ordinal))
                    {
                        var hint = ConfigDiagnostics.DidYouMean(c.Name, listed.Where(n => section.Find(n) is null));
                        Warn(Key(section.Name, c.Name), $"configured but not listed in {agent}.{section.Name}; ignored{hint}");
                    }
                }
            }
        }

        /// <summary>When a listed name has no properties: maybe an unlisted defined one was meant.</summary>
        private static string Unlisted(Section section, IReadOnlyList<string> listed, string name) =>
            ConfigDiagnostics.DidYouMean(name, section.Ordered.Select(c => c.Name).Where(n => !listed.Contains(n, StringComparer.Ordinal)));

        // §4 step 1.
        private void ApplyConfigFilters()
        {
            var filters = new List<ConfigFilter>();
            foreach (var name in SplitList(Filters.List))
            {
                var c = Filters.Find(name);
                if (c is null)
                {
                    Error(Key("configfilters", name), $"Configuration empty for: {name}. Removed.");
                    continue;
                }

                var type = c.Get("type");
                if (type is null)
                {
                    Error(Key("configfilters", name) + ".type", $"Could not configure configfilter {name} due to: Component has no type. Cannot configure. {name}");
                    continue;
                }

                var filter = ConfigFilter.Create(name, type, c.Props, environment, out var error);
                if (filter is null)
                {
                    Error(Key("configfilters", name) + ".type", $"Error while creating config filter {name}: {error}");
                    continue;
                }

                filters.Add(filter);
            }

            if (filters.Count == 0)
            {
                return;
            }

            foreach (var section in new[] { Sources, Channels, Sinks, Groups })
            {
                foreach (var c in section.Ordered)
                {
                    foreach (var k in c.Props.Keys.ToList())
                    {
                        var v = c.Props[k];
                        foreach (var f in filters)
                        {
                            v = f.Apply(v);
                        }

                        c.Props[k] = v;
                    }
                }
            }
        }

        // step 4.
        private List<SourceConfig> ValidateSources(IReadOnlyList<string> activeChannels)
        {
            var result = new List<SourceConfig>();
            var names = SplitList(Sources.List);
            if (names.Count == 0)
            {
                Warn($"{agent}.sources", $"Agent configuration for '{agent}' has no sources.");
                return result;
            }

            foreach (var name in names)
            {
                var c = Sources.Find(name);
                var prefix = Key("sources", name);
                if (c is null)
                {
                    Error(prefix, $"Configuration empty for: {name}.Removed." + Unlisted(Sources, names, name));
                    continue;
                }

                bool ok = HasType(c, "sources", "source ");
                var list = c.Get("channels");
                if (list is null)
                {
                    // Flume's SourceConfiguration hits a NullPointerException here and rewraps it, hence its odd text.
                    var due = $"Could not configure source  {name} due to: Failed to configure component! (no 'channels' key)";
                    if (c.Get("channel") is not null)
                    {
                        Error(prefix + ".channel", $"sources take 'channels' (plural): {due}");
                    }
                    else
                    {
                        Error(prefix + ".channels", due);
                    }

                    continue;
                }

                var kept = new List<string>();
                foreach (var ch in SplitList(list))
                {
                    if (activeChannels.Contains(ch, StringComparer.Ordinal))
                    {
                        kept.Add(ch);
                    }
                    else
                    {
                        Warn(prefix + ".channels", $"channel '{ch}' is not an active channel of agent {agent}; dropped from the list (Flume drops it silently){ConfigDiagnostics.DidYouMean(ch, activeChannels)}{ComponentContext.HashHint(list)}");
                    }
                }

                if (kept.Count == 0)
                {
                    Error(prefix + ".channels", $"Could not configure source  {name} due to: No Channels configured for {name}");
                    continue;
                }

                if (!ok)
                {
                    continue;
                }

                c.Props["channels"] = string.Join(' ', kept);
                result.Add(new SourceConfig(ToConfig("sources", c), kept));
            }

            return result;
        }

        // step 5.
        private List<SinkConfig> ValidateSinks(IReadOnlyList<string> activeChannels)
        {
            var result = new List<SinkConfig>();
            var names = SplitList(Sinks.List);
            if (names.Count == 0)
            {
                Warn($"{agent}.sinks", $"Agent configuration for '{agent}' has no sinks.");
                return result;
            }

            foreach (var name in names)
            {
                var c = Sinks.Find(name);
                var prefix = Key("sinks", name);
                if (c is null)
                {
                    Error(prefix, $"no context for sink{name}" + Unlisted(Sinks, names, name));
                    continue;
                }

                bool ok = HasType(c, "sinks", "sink ");
                var channel = c.Get("channel");
                if (channel is null)
                {
                    var due = $"Could not configure sink  {name} due to: No channel configured for sink: {name}";
                    if (c.Get("channels") is not null)
                    {
                        Error(prefix + ".channels", $"sinks take 'channel' (singular): {due}");
                    }
                    else
                    {
                        Error(prefix + ".channel", due);
                    }

                    continue;
                }

                if (!activeChannels.Contains(channel, StringComparer.Ordinal))
                {
                    Error(prefix + ".channel", $"Could not configure sink  {name} due to: Channel {channel} not in active set.{ConfigDiagnostics.DidYouMean(channel, activeChannels)}{ComponentContext.HashHint(channel)}");
                    continue;
                }

                if (ok)
                {
                    result.Add(new SinkConfig(ToConfig("sinks", c), channel));
                }
            }

            return result;
        }

        // step 6.
        private List<SinkGroupConfig> ValidateGroups(IReadOnlyList<string> activeSinks)
        {
            var result = new List<SinkGroupConfig>();
            var used = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = SplitList(Groups.List);
            foreach (var name in names)
            {
                var c = Groups.Find(name);
                var prefix = Key("sinkgroups", name);
                if (c is null)
                {
                    Error(prefix, $"Configuration error for: {name}.Removed." + Unlisted(Groups, names, name));
                    continue;
                }

                var list = c.Get("sinks");
                if (list is null)
                {
                    Fatal(prefix + ".sinks", $"sink group {name} has no 'sinks' key; Flume aborts start-up (NullPointerException)");
                    continue;
                }

                var kept = new List<string>();
                foreach (var sink in SplitList(list))
                {
                    if (used.TryGetValue(sink, out var other))
                    {
                        Warn(prefix + ".sinks", $"Agent configuration for '{agent}' sinkgroup '{name}' sink '{sink}' in use by another group: '{other}', sink not added");
                    }
                    else if (!activeSinks.Contains(sink, StringComparer.Ordinal))
                    {
                        Warn(prefix + ".sinks", $"Agent configuration for '{agent}' sinkgroup '{name}' sink not found: '{sink}',  sink not added{ConfigDiagnostics.DidYouMean(sink, activeSinks)}{ComponentContext.HashHint(list)}");
                    }
                    else
                    {
                        kept.Add(sink);
                    }
                }

                if (kept.Count == 0)
                {
                    Error(prefix, $"Could not configure sink group {name} due to: No available sinks for sinkgroup: {name}. Sinkgroup will be removed");
                    continue;
                }

                foreach (var sink in kept)
                {
                    used[sink] = name;
                }

                var processor = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in c.Props)
                {
                    if (k.StartsWith("processor.", StringComparison.Ordinal))
                    {
                        processor[k["processor.".Length..]] = v;
                    }
                }

                var type = processor.GetValueOrDefault("type");
                var idle = $"; the group is removed and its sinks ({string.Join(' ', kept)}) are run by nobody";
                if (type is null)
                {
                    Error(prefix + ".processor.type", $"SinkGroup {name} has been removed due to an error during configuration: Unable to load sink processor type: null, class: null (processor.type is required){idle}");
                }
                else if (catalog.Find(ComponentKind.SinkProcessor, type) is null)
                {
                    Error(prefix + ".processor.type", $"SinkGroup {name} has been removed due to an error during configuration: Unable to load sink processor type: {type}, class: {type}{TypeHint(ComponentKind.SinkProcessor, type)}{ComponentContext.HashHint(type)}{idle}");
                }

                result.Add(new SinkGroupConfig(name, kept, type, processor, prefix + "."));
            }

            return result;
        }

        private bool HasType(RawComponent c, string section, string what)
        {
            if (c.Get("type") is not null)
            {
                return true;
            }

            // Flume: "Could not configure channel c1 due to: ..." / "source  r1" / "sink  k1" (two spaces).
            Error(Key(section, c.Name) + ".type", $"Could not configure {what} {c.Name} due to: Component has no type. Cannot configure. {c.Name}");
            return false;
        }

        private void ResolveType(ComponentKind kind, string section, RawComponent c)
        {
            var type = c.Get("type")!;
            if (catalog.Find(kind, type) is null)
            {
                var what = kind.ToString().ToLowerInvariant();
                Fatal(Key(section, c.Name) + ".type", $"Unable to load {what} type: {type}, class: {type}{TypeHint(kind, type)}{ComponentContext.HashHint(type)}");
            }
        }

        private string TypeHint(ComponentKind kind, string type)
        {
            var all = catalog.All(kind).ToList();
            return ConfigDiagnostics.DidYouMean(type, all.Select(d => d.Alias).Concat(all.Select(d => d.ClassName)));
        }

        private ComponentConfig ToConfig(string section, RawComponent c) =>
            new(c.Name, c.Get("type") ?? string.Empty, new Dictionary<string, string>(c.Props, StringComparer.Ordinal), Key(section, c.Name) + ".");

        private string Key(string section, string name) => $"{agent}.{section}.{name}";

        private void Warn(string key, string message) => _problems.Add(new ConfigProblem(ProblemSeverity.Warning, key, message));

        private void Error(string key, string message) => _problems.Add(new ConfigProblem(ProblemSeverity.Error, key, message));

        private void Fatal(string key, string message) => _problems.Add(new ConfigProblem(ProblemSeverity.Fatal, key, message));
    }
}
