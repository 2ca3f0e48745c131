using FlumeNet.Configuration;

namespace FlumeNet.Core.Tests.Configuration;

public class AgentConfigurationBuilderTests
{
    /// <summary>Verbatim copy of /work/shared/seed/flume-failover-client.properties.</summary>
    private const string FailoverClient = """
        # flume-failover-client
        # agent name: a1
        # source: exec with given command, monitor output of the command, each line will be generated as an event
        # channel: memory
        # sink: k1 k2, each set to avro type to link to next-level collector

        # 01 define source,channel,sink name
        a1.sources = r1
        a1.channels = c1
        a1.sinks = k1 k2

        # 02 define source
        a1.sources.r1.type = exec
        a1.sources.r1.command = tail -f /root/flume_test/server.log

        # 03 define sink,each connect to next-level collector via hostname and port
        a1.sinks.k1.type = avro
        # sink bind to remote host, RPC
        a1.sinks.k1.hostname = slave1
        a1.sinks.k1.port = 4444

        a1.sinks.k2.type = avro
        # sink bind to remote host, RPC
        a1.sinks.k2.hostname = slave2
        a1.sinks.k2.port = 4444

        # 04 define sinkgroups,only 1 sink will be selected as active based on priority and online status
        a1.sinkgroups = g1
        a1.sinkgroups.g1.sinks = k1 k2
        a1.sinkgroups.g1.processor.type = failover

        # k1 will be selected as active to send event if k1 is online, otherwise k2 is selected
        # higher priority is selected first; equal priorities fall back to the order k1, k2 appear in
        a1.sinkgroups.g1.processor.priority.k1 = 10
        a1.sinkgroups.g1.processor.priority.k2 = 1

        # failover time,milliseconds
        # if k1 is down and up again, k1 will be selected as active after 1 seconds
        a1.sinkgroups.g1.processor.priority.maxpenality = 1000

        # 05 define channel
        a1.channels.c1.type = memory
        # number of events in memory queue
        a1.channels.c1.capacity = 1000
        # number of events for 1 commit(commit events to memory queue)
        a1.channels.c1.transactioncapacity = 100

        # 06 bind source,sink to channel
        a1.sources.r1.channels = c1
        a1.sinks.k1.channel = c1
        a1.sinks.k2.channel = c1
        """;

    private const string Minimal = """
        a1.sources = r1
        a1.channels = c1
        a1.sinks = k1
        a1.sources.r1.type = netcat
        a1.sources.r1.channels = c1
        a1.channels.c1.type = memory
        a1.sinks.k1.type = logger
        a1.sinks.k1.channel = c1
        """;

    private static ValidationResult Validate(string text, string agent = "a1", ConfigurationEnvironment? env = null) =>
        AgentConfigurationBuilder.LoadAndValidate(PropertiesParser.Parse(text, "test.conf"), agent, TestCatalog.Instance, env);

    private static ConfigProblem Problem(ValidationResult r, string key) => Assert.Single(r.Problems, p => p.Key == key);

    [Fact]
    public void SeedFailoverClientModel()
    {
        var r = Validate(FailoverClient);
        var a = Assert.IsType<AgentConfiguration>(r.Agent);
        Assert.DoesNotContain(r.Problems, p => p.Severity != ProblemSeverity.Warning);

        var c1 = Assert.Single(a.Channels);
        Assert.Equal(("c1", "memory", "a1.channels.c1."), (c1.Name, c1.Type, c1.KeyPrefix));
        Assert.Equal("100", c1.Properties["transactioncapacity"]);
        Assert.False(c1.Properties.ContainsKey("transactionCapacity"));

        var r1 = Assert.Single(a.Sources);
        Assert.Equal(("r1", "exec"), (r1.Component.Name, r1.Component.Type));
        Assert.Equal(new[] { "c1" }, r1.Channels);
        Assert.Equal("tail -f /root/flume_test/server.log", r1.Component.Properties["command"]);

        Assert.Equal(new[] { "k1", "k2" }, a.Sinks.Select(s => s.Component.Name));
        Assert.All(a.Sinks, s => Assert.Equal(("avro", "c1"), (s.Component.Type, s.Channel)));
        Assert.Equal("slave2", a.Sinks[1].Component.Properties["hostname"]);

        var g1 = Assert.Single(a.SinkGroups);
        Assert.Equal(("g1", "failover", "a1.sinkgroups.g1."), (g1.Name, g1.ProcessorType, g1.KeyPrefix));
        Assert.Equal(new[] { "k1", "k2" }, g1.Sinks);
        Assert.Equal("10", g1.Processor["priority.k1"]);
        Assert.Equal("1", g1.Processor["priority.k2"]);
        Assert.Equal("1000", g1.Processor["priority.maxpenality"]);
        Assert.Equal("failover", g1.Processor["type"]);
    }

    [Fact]
    public void MinimalIsClean()
    {
        var r = Validate(Minimal);
        Assert.NotNull(r.Agent);
        Assert.Empty(r.Problems);
    }

    [Fact]
    public void SourceWithSingularChannelIsDroppedWithClearMessage()
    {
        var r = Validate(Minimal.Replace("a1.sources.r1.channels = c1", "a1.sources.r1.channel = c1", StringComparison.Ordinal));
        var p = Problem(r, "a1.sources.r1.channel");
        Assert.Equal(ProblemSeverity.Error, p.Severity);
        Assert.StartsWith("sources take 'channels' (plural)", p.Message, StringComparison.Ordinal);
        Assert.Contains("Could not configure source  r1 due to: Failed to configure component!", p.Message, StringComparison.Ordinal);
        Assert.Empty(r.Agent!.Sources);
        Assert.Single(r.Agent.Sinks);
    }

    [Fact]
    public void SinkWithPluralChannelsIsDroppedWithClearMessage()
    {
        var r = Validate(Minimal.Replace("a1.sinks.k1.channel = c1", "a1.sinks.k1.channels = c1", StringComparison.Ordinal));
        var p = Problem(r, "a1.sinks.k1.channels");
        Assert.Equal(ProblemSeverity.Error, p.Severity);
        Assert.Contains("sinks take 'channel' (singular)", p.Message, StringComparison.Ordinal);
        Assert.Contains("Could not configure sink  k1 due to: No channel configured for sink: k1", p.Message, StringComparison.Ordinal);
        Assert.Empty(r.Agent!.Sinks);
    }

    [Fact]
    public void UnknownChannelInSourceListIsDroppedWithWarning()
    {
        var r = Validate(Minimal.Replace("a1.sources.r1.channels = c1", "a1.sources.r1.channels = c1 c2 c1", StringComparison.Ordinal));
        var p = Problem(r, "a1.sources.r1.channels");
        Assert.Equal(ProblemSeverity.Warning, p.Severity);
        Assert.Contains("'c2'", p.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'c1'", p.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "c1" }, r.Agent!.Sources.Single().Channels);
    }

    [Fact]
    public void SourceWithOnlyUnknownChannelsIsDropped()
    {
        var r = Validate(Minimal.Replace("a1.sources.r1.channels = c1", "a1.sources.r1.channels = cx", StringComparison.Ordinal));
        Assert.Contains(r.Problems, p => p.Severity == ProblemSeverity.Error && p.Message == "Could not configure source  r1 due to: No Channels configured for r1");
        Assert.Empty(r.Agent!.Sources);
    }

    [Fact]
    public void SinkOnUnknownChannelIsDropped()
    {
        var r = Validate(Minimal.Replace("a1.sinks.k1.channel = c1", "a1.sinks.k1.channel = c2", StringComparison.Ordinal));
        var p = Problem(r, "a1.sinks.k1.channel");
        Assert.StartsWith("Could not configure sink  k1 due to: Channel c2 not in active set.", p.Message, StringComparison.Ordinal);
        Assert.Empty(r.Agent!.Sinks);
    }

    [Fact]
    public void UnlistedComponentIsWarned()
    {
        var r = Validate(Minimal + "\na1.sinks.k3.type = logger\na1.sinks.k3.channel = c1\n");
        var p = Problem(r, "a1.sinks.k3");
        Assert.Equal(ProblemSeverity.Warning, p.Severity);
        Assert.Equal("a1.sinks.k3: configured but not listed in a1.sinks; ignored", p.ToString());
        Assert.Single(r.Agent!.Sinks);
    }

    [Fact]
    public void ListedButUndefinedSinkSuggestsDefinedOne()
    {
        var r = Validate(Minimal.Replace("a1.sinks = k1", "a1.sinks = k1 kk2", StringComparison.Ordinal) + "\na1.sinks.k2.type = logger\na1.sinks.k2.channel = c1\n");
        var p = Problem(r, "a1.sinks.kk2");
        Assert.Equal(ProblemSeverity.Error, p.Severity);
        Assert.StartsWith("no context for sinkkk2", p.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'k2'", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingChannelsListMakesAgentInvalid()
    {
        var r = Validate(Minimal.Replace("a1.channels = c1\n", string.Empty, StringComparison.Ordinal));
        Assert.Null(r.Agent);
        Assert.Equal("Agent configuration for 'a1' does not contain any channels. Marking it as invalid.", Problem(r, "a1.channels").Message);
        Assert.Contains(r.Problems, p => p.Key == "a1" && p.Message == "Agent configuration invalid for agent 'a1'. It will be removed.");
    }

    [Fact]
    public void ChannelWithoutTypeIsDroppedAndNoValidChannelInvalidatesAgent()
    {
        var r = Validate(Minimal.Replace("a1.channels.c1.type = memory", "a1.channels.c1.capacity = 10", StringComparison.Ordinal));
        Assert.Null(r.Agent);
        Assert.Equal("Could not configure channel c1 due to: Component has no type. Cannot configure. c1", Problem(r, "a1.channels.c1.type").Message);
        Assert.Contains(r.Problems, p => p.Message == "Agent configuration for 'a1' does not contain any valid channels. Marking it as invalid.");
    }

    [Fact]
    public void SourceWithoutTypeUsesFlumeText()
    {
        var r = Validate(Minimal.Replace("a1.sources.r1.type = netcat\n", string.Empty, StringComparison.Ordinal));
        Assert.Equal("Could not configure source  r1 due to: Component has no type. Cannot configure. r1", Problem(r, "a1.sources.r1.type").Message);
        Assert.Empty(r.Agent!.Sources);
    }

    [Fact]
    public void NoSourcesAndNoSinksMakesAgentInvalid()
    {
        var r = Validate("a1.channels = c1\na1.channels.c1.type = memory\n");
        Assert.Null(r.Agent);
        Assert.Equal(ProblemSeverity.Warning, Problem(r, "a1.sources").Severity);
        Assert.Equal("Agent configuration for 'a1' has no sinks.", Problem(r, "a1.sinks").Message);
        Assert.Contains(r.Problems, p => p.Message == "Agent configuration for 'a1' has no sources or sinks. Will be marked invalid.");
    }

    [Fact]
    public void UnresolvableTypeIsFatalWithSuggestion()
    {
        var r = Validate(Minimal.Replace("type = netcat", "type = netcta", StringComparison.Ordinal));
        var p = Problem(r, "a1.sources.r1.type");
        Assert.Equal(ProblemSeverity.Fatal, p.Severity);
        Assert.Equal("Unable to load source type: netcta, class: netcta (did you mean 'netcat'?)", p.Message);
    }

    [Theory]
    [InlineData("MEMORY", true)]
    [InlineData("Memory", true)]
    [InlineData("org.apache.flume.channel.MemoryChannel", true)]
    [InlineData("org.apache.flume.channel.memorychannel", false)]
    public void TypeResolutionAliasCaseInsensitiveClassExact(string type, bool ok)
    {
        var r = Validate(Minimal.Replace("type = memory", "type = " + type, StringComparison.Ordinal));
        Assert.Equal(ok, !r.Problems.Any(p => p.Severity == ProblemSeverity.Fatal));
        Assert.Equal(type, r.Agent!.Channels.Single().Type);
    }

    [Fact]
    public void SinkInTwoGroupsStaysInTheFirst()
    {
        var text = FailoverClient + "\na1.sinkgroups = g1 g2\na1.sinkgroups.g2.sinks = k2\na1.sinkgroups.g2.processor.type = default\n";
        var r = Validate(text);
        var p = Problem(r, "a1.sinkgroups.g2.sinks");
        Assert.Equal("Agent configuration for 'a1' sinkgroup 'g2' sink 'k2' in use by another group: 'g1', sink not added", p.Message);
        Assert.Contains(r.Problems, q => q.Key == "a1.sinkgroups.g2" && q.Message == "Could not configure sink group g2 due to: No available sinks for sinkgroup: g2. Sinkgroup will be removed");
        Assert.Equal(new[] { "g1" }, r.Agent!.SinkGroups.Select(g => g.Name));
    }

    [Fact]
    public void GroupSinkNotFoundIsRemovedFromGroup()
    {
        var r = Validate(FailoverClient.Replace("a1.sinkgroups.g1.sinks = k1 k2", "a1.sinkgroups.g1.sinks = k1 k3", StringComparison.Ordinal));
        Assert.StartsWith("Agent configuration for 'a1' sinkgroup 'g1' sink not found: 'k3',  sink not added", Problem(r, "a1.sinkgroups.g1.sinks").Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "k1" }, r.Agent!.SinkGroups.Single().Sinks);
    }

    [Fact]
    public void GroupWithoutSinksKeyIsFatal()
    {
        var r = Validate(FailoverClient.Replace("a1.sinkgroups.g1.sinks = k1 k2\n", string.Empty, StringComparison.Ordinal));
        Assert.Equal(ProblemSeverity.Fatal, Problem(r, "a1.sinkgroups.g1.sinks").Severity);
    }

    [Fact]
    public void GroupWithoutProcessorTypeIsReportedButKeptForTheRuntime()
    {
        var r = Validate(FailoverClient.Replace("a1.sinkgroups.g1.processor.type = failover\n", string.Empty, StringComparison.Ordinal));
        var p = Problem(r, "a1.sinkgroups.g1.processor.type");
        Assert.Equal(ProblemSeverity.Error, p.Severity);
        Assert.Contains("Unable to load sink processor type: null, class: null", p.Message, StringComparison.Ordinal);
        Assert.Null(r.Agent!.SinkGroups.Single().ProcessorType);
    }

    [Fact]
    public void UnknownProcessorTypeSuggests()
    {
        var r = Validate(FailoverClient.Replace("processor.type = failover", "processor.type = failvoer", StringComparison.Ordinal));
        Assert.Contains("did you mean 'failover'", Problem(r, "a1.sinkgroups.g1.processor.type").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidPropertyShapes()
    {
        var r = Validate(Minimal + "\na1.source.r1.type = exec\na1.sources.r9 = x\nNC_PORT = 44444\na1.sinks.k1.batch =\n");
        Assert.Equal(
            "Configuration property ignored: a1.source.r1.type = exec (Invalid property specified: source.r1.type; did you mean 'a1.sources.r1.type'?)",
            Problem(r, "a1.source.r1.type").Message);
        Assert.Contains("expected a1.sources.<name>.<key>", Problem(r, "a1.sources.r9").Message, StringComparison.Ordinal);
        Assert.Equal("Configuration property ignored: NC_PORT = 44444", Problem(r, "NC_PORT").Message);
        Assert.StartsWith("Configuration property ignored: a1.sinks.k1.batch = ", Problem(r, "a1.sinks.k1.batch").Message, StringComparison.Ordinal);
        Assert.All(r.Problems, p => Assert.Equal(ProblemSeverity.Warning, p.Severity));
    }

    [Fact]
    public void AgentNotInFileSuggestsPresentAgent()
    {
        var r = Validate(Minimal, agent: "al");
        Assert.Null(r.Agent);
        Assert.Equal("No configuration found for this host:al (did you mean 'a1'?)", Problem(r, "al").Message);
    }

    [Fact]
    public void OtherAgentsAreIgnored()
    {
        var r = Validate(Minimal + "\na2.sources = x\na2.bogus = 1\n");
        Assert.Empty(r.Problems);
    }

    [Fact]
    public void EmptyConfigurationIsFatal()
    {
        var r = Validate("# nothing\n");
        Assert.Equal(ProblemSeverity.Fatal, Assert.Single(r.Problems).Severity);
        Assert.Equal("No configuration could be found", r.Problems[0].Message);
    }

    [Fact]
    public void ComponentsKeepConfigurationOrder()
    {
        var text = """
            a1.channels = cb ca
            a1.channels.ca.type = memory
            a1.channels.cb.type = memory
            a1.sources = s2 s1
            a1.sources.s1.type = seq
            a1.sources.s1.channels = ca cb
            a1.sources.s2.type = seq
            a1.sources.s2.channels = cb ca
            """;
        var a = Validate(text).Agent!;
        Assert.Equal(new[] { "cb", "ca" }, a.Channels.Select(c => c.Name));
        Assert.Equal(new[] { "s2", "s1" }, a.Sources.Select(s => s.Component.Name));
        Assert.Equal(new[] { "ca", "cb" }, a.Sources[1].Channels);
    }

    [Fact]
    public void SubstitutionHappensBeforeValidation()
    {
        var env = new ConfigurationEnvironment(new Dictionary<string, string> { ["ch"] = "c1" }, _ => null);
        var r = Validate(Minimal.Replace("a1.sinks.k1.channel = c1", "a1.sinks.k1.channel = ${sys:ch}", StringComparison.Ordinal) + "\na1.sources.r1.port = ${NC_PORT}\nNC_PORT = 44444\n", env: env);
        Assert.Equal("c1", r.Agent!.Sinks.Single().Channel);
        Assert.Equal("44444", r.Agent.Sources.Single().Component.Properties["port"]);
    }

    [Fact]
    public void EnvConfigFilter()
    {
        var env = new ConfigurationEnvironment(new Dictionary<string, string>(), n => n == "MY_PORT" ? "5140" : null);
        var text = Minimal + """

            a1.configfilters = f1
            a1.configfilters.f1.type = env
            a1.sources.r1.port = ${f1['MY_PORT']}
            a1.sources.r1.bind = ${f1["MY_PORT"]}:${f1[MY_PORT]}:${f1['NOPE']}
            """;
        var r = Validate(text, env: env);
        var props = r.Agent!.Sources.Single().Component.Properties;
        Assert.Equal("5140", props["port"]);
        Assert.Equal("5140:5140:${f1['NOPE']}", props["bind"]);
        Assert.DoesNotContain(r.Problems, p => p.Key.StartsWith("a1.configfilters", StringComparison.Ordinal));
    }

    [Fact]
    public void ExternalConfigFilterUsesFirstStdoutLine()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var r = Validate(Minimal + "\na1.configfilters = f1\na1.configfilters.f1.type = external\na1.configfilters.f1.command = echo secret-of\na1.sources.r1.port = ${f1['KEY_1']}\n");
        Assert.Equal("secret-of KEY_1", r.Agent!.Sources.Single().Component.Properties["port"]);
    }

    [Fact]
    public void UnsupportedConfigFilterIsReported()
    {
        var r = Validate(Minimal + "\na1.configfilters = f1 f2\na1.configfilters.f1.type = hadoop\n");
        Assert.Equal(ProblemSeverity.Error, Problem(r, "a1.configfilters.f1.type").Severity);
        Assert.Equal("Configuration empty for: f2. Removed.", Problem(r, "a1.configfilters.f2").Message);
        Assert.NotNull(r.Agent);
    }

    [Fact]
    public void TrailingHashCommentIsHintedAt()
    {
        var r = Validate(Minimal.Replace("a1.sinks.k1.channel = c1", "a1.sinks.k1.channel = c1 # main", StringComparison.Ordinal));
        Assert.Contains("trailing '# ...' is part of the value", Problem(r, "a1.sinks.k1.channel").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProblemsCanBeLocated()
    {
        var entries = PropertiesParser.Parse(Minimal.Replace("type = netcat", "type = netcta", StringComparison.Ordinal), "x.conf");
        var r = AgentConfigurationBuilder.Build(entries, "a1", TestCatalog.Instance);
        Assert.Equal("x.conf:4", ConfigDiagnostics.Locate(Problem(r, "a1.sources.r1.type"), entries));
        Assert.Equal("x.conf:4", ConfigDiagnostics.Locate(new ConfigProblem(ProblemSeverity.Error, "a1.sources.r1", "m"), entries));
        Assert.Null(ConfigDiagnostics.Locate(new ConfigProblem(ProblemSeverity.Error, "zz", "m"), entries));
    }

    [Fact]
    public void ListsSplitOnWhitespaceRunsAndCollapseDuplicates()
    {
        Assert.Equal(new[] { "k1", "k2" }, AgentConfigurationBuilder.SplitList(" k1\t k2  k1 "));
        Assert.Empty(AgentConfigurationBuilder.SplitList(null));
    }
}
