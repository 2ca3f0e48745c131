using FlumeNet.Configuration;
using FlumeNet.IntegrationTests.Harness;
using FlumeNet.Runtime;

namespace FlumeNet.IntegrationTests.Monitoring;

/// <summary>
/// The two configurations whose <c>/metrics</c> a real Flume 1.11 printed (captures/, from shared/observed/metrics),
/// run here with free ports and a scratch directory, compared member by member with the capture. Data-driven: a
/// component type this build does not have is stood in for by one that behaves alike for its neighbours (TAILDIR
/// over the 1000-line file → seq of 1000 events in batches of 100; file channel → memory channel of the same
/// capacities), and the stood-in components' own members are not compared. Once those types exist, the
/// configurations run as captured and every member is compared.
/// </summary>
public sealed class CapturedMetricsTests
{
    private const int InputLines = 1000;

    /// <summary>Our deliberate differences (docs/compatibility.md): the seq source counts what it generates.</summary>
    private static readonly Dictionary<(string Type, string Attribute), string> OursInstead = new()
    {
        [("seq", "EventReceivedCount")] = "EventAcceptedCount",
    };

    private static readonly Dictionary<(string Kind, string Type), Func<Component, IEnumerable<(string Key, string Value)>>> StandIns = new()
    {
        [("sources", "TAILDIR")] = c => [("type", "seq"), ("totalEvents", InputLines.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("batchSize", "100"), ("channels", c.Props["channels"])],
        [("channels", "file")] = c => [("type", "memory"), ("capacity", c.Props.GetValueOrDefault("capacity", "1000000")), ("transactionCapacity", c.Props.GetValueOrDefault("transactionCapacity", "10000"))],
    };

    [Fact]
    public void Counters_of_the_captured_configurations_match_Flume()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File("input.log"), Enumerable.Range(1, InputLines).Select(i => $"line {i}"));
        var avroPort = Net.FreePort();
        var agents = new[] { ("b1", "collector"), ("a1", "agent") }
            .Select(a => Agent.Load(a.Item1, Capture(a.Item2 + ".properties").Replace("DIR/", dir.Path + "/", StringComparison.Ordinal).Replace("41515", avroPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), Capture(a.Item2 + "-metrics.json")))
            .ToList();

        var flows = Flows(agents);
        var processes = new List<FlumeProcess>();
        try
        {
            // Start every agent that has something to run (the collector first), then compare.
            var started = new List<(Agent Agent, List<Component> Runnable, FlumeProcess Process, int Port)>();
            foreach (var agent in agents)
            {
                var runnable = agent.Components.Where(c => flows[c.Key].All(Available)).ToList();
                if (runnable.Count == 0)
                {
                    continue;
                }

                var conf = dir.Write(agent.Name + ".properties", agent.Render(runnable, StandIns));
                var port = Net.FreePort();
                var process = FlumeProcess.StartAgent(conf, agent.Name, MetricsHttp.Flags(port));
                processes.Add(process);
                foreach (var avro in runnable.Where(c => c.Kind == "sources" && c.Type == "avro"))
                {
                    Retry.Until(() => Net.IsListening("127.0.0.1", int.Parse(avro.Props["port"], System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(30), () => "avro source not listening\n" + process.Tail());
                }

                started.Add((agent, runnable, process, port));
            }

            var compared = 0;
            foreach (var (agent, runnable, process, port) in started)
            {
                // Members of components that run as captured (not stood in for).
                var expected = agent.Captured
                    .Where(m => runnable.Any(c => c.Member == m.Key && !IsStoodIn(c)))
                    .ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
                var types = runnable.ToDictionary(c => c.Member, c => c.Type, StringComparer.Ordinal);
                var metrics = MetricsHttp.WaitForMetrics(process, port, m => Mismatches(expected, m, types).Count == 0, $"{agent.Name}: counters as captured");
                Assert.Empty(Mismatches(expected, metrics, types));
                compared += expected.Sum(m => m.Value.Count);
            }

            // Whatever this build lacks, the avro, seq, memory, null and logger members are always compared.
            Assert.True(compared >= 50, $"only {compared} attributes compared");
        }
        finally
        {
            foreach (var p in Enumerable.Reverse(processes))
            {
                p.Dispose();
            }
        }
    }

    private static string Capture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Monitoring", "captures", name));

    private static bool Available(Component c) => Registered(c) || StandIns.ContainsKey((c.Kind, c.Type));

    private static bool IsStoodIn(Component c) => !Registered(c);

    private static bool Registered(Component c) =>
        ComponentRegistry.Default.Find(c.Kind switch { "sources" => ComponentKind.Source, "channels" => ComponentKind.Channel, _ => ComponentKind.Sink }, c.Type) is not null;

    /// <summary>Every attribute of the capture that differs (or is missing) in <paramref name="actual"/>, in words.</summary>
    private static List<string> Mismatches(Dictionary<string, Dictionary<string, string>> expected, Dictionary<string, Dictionary<string, string>> actual, Dictionary<string, string> types)
    {
        var problems = new List<string>();
        foreach (var (member, attributes) in expected)
        {
            if (!actual.TryGetValue(member, out var got))
            {
                problems.Add($"{member} missing");
                continue;
            }

            foreach (var (name, value) in attributes)
            {
                if (!got.TryGetValue(name, out var ours))
                {
                    problems.Add($"{member}.{name} missing");
                }
                else if (DependsOnTiming(name))
                {
                    if (!long.TryParse(ours, out _))
                    {
                        problems.Add($"{member}.{name} = '{ours}' is not a number");
                    }
                }
                else
                {
                    var want = OursInstead.TryGetValue((types[member], name), out var instead) ? attributes[instead] : value;
                    if (ours != want)
                    {
                        problems.Add($"{member}.{name} = {ours}, Flume {want}");
                    }
                }
            }
        }

        return problems;
    }

    /// <summary>Attempt counters, batch shapes and start times depend on timing (the capture's README says so).</summary>
    private static bool DependsOnTiming(string attribute) =>
        attribute.Contains("Attempt", StringComparison.Ordinal) || attribute is "StartTime" or "BatchEmptyCount" or "BatchUnderflowCount" or "BatchCompleteCount";

    /// <summary>Components connected through channels, and avro sinks to the avro source on their port: key → flow members.</summary>
    private static Dictionary<string, List<Component>> Flows(List<Agent> agents)
    {
        var all = agents.SelectMany(a => a.Components).ToList();
        var parent = all.ToDictionary(c => c.Key, c => c.Key);
        string Find(string k) => parent[k] == k ? k : parent[k] = Find(parent[k]);
        void Union(string a, string b) => parent[Find(a)] = Find(b);
        foreach (var c in all)
        {
            var channels = c.Kind == "sources" ? c.Props.GetValueOrDefault("channels", string.Empty) : c.Kind == "sinks" ? c.Props.GetValueOrDefault("channel", string.Empty) : string.Empty;
            foreach (var ch in channels.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                Union(c.Key, $"{c.Agent}.channels.{ch}");
            }

            if (c.Kind == "sinks" && c.Type == "avro")
            {
                foreach (var target in all.Where(s => s.Kind == "sources" && s.Type == "avro" && s.Props.GetValueOrDefault("port") == c.Props.GetValueOrDefault("port")))
                {
                    Union(c.Key, target.Key);
                }
            }
        }

        return all.ToDictionary(c => c.Key, c => all.Where(o => Find(o.Key) == Find(c.Key)).ToList());
    }

    /// <summary>One component of a properties file: <c>agent.kind.name</c> and its own keys.</summary>
    private sealed record Component(string Agent, string Kind, string Name, Dictionary<string, string> Props)
    {
        public string Key => $"{Agent}.{Kind}.{Name}";

        public string Type => Props.GetValueOrDefault("type", string.Empty);

        public string Member => (Kind switch { "sources" => "SOURCE", "channels" => "CHANNEL", _ => "SINK" }) + "." + Name;
    }

    private sealed record Agent(string Name, List<Component> Components, Dictionary<string, Dictionary<string, string>> Captured)
    {
        public static Agent Load(string name, string properties, string capturedJson)
        {
            var props = properties.Split('\n')
                .Select(l => l.Trim())
                .Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Select(l => l.Split('=', 2))
                .ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim(), StringComparer.Ordinal);
            var components = new List<Component>();
            foreach (var kind in new[] { "sources", "channels", "sinks" })
            {
                foreach (var n in props.GetValueOrDefault($"{name}.{kind}", string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var prefix = $"{name}.{kind}.{n}.";
                    components.Add(new Component(name, kind, n, props.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value, StringComparer.Ordinal)));
                }
            }

            return new Agent(name, components, MetricsHttp.Parse(capturedJson));
        }

        /// <summary>The properties of <paramref name="run"/> only, stood-in types replaced.</summary>
        public string Render(List<Component> run, Dictionary<(string Kind, string Type), Func<Component, IEnumerable<(string Key, string Value)>>> standIns)
        {
            var lines = new List<string>();
            foreach (var kind in new[] { "sources", "channels", "sinks" })
            {
                lines.Add($"{Name}.{kind} = {string.Join(' ', run.Where(c => c.Kind == kind).Select(c => c.Name))}");
            }

            foreach (var c in run)
            {
                var props = Registered(c) ? c.Props.Select(p => (p.Key, p.Value)) : standIns[(c.Kind, c.Type)](c);
                lines.AddRange(props.Select(p => $"{c.Key}.{p.Key} = {p.Value}"));
            }

            return string.Join('\n', lines) + "\n";
        }
    }
}
