using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests.Monitoring;

/// <summary>
/// The two configurations whose <c>/metrics</c> a real Flume 1.11 printed (captures/, from shared/observed/metrics:
/// TAILDIR over a 1000-line file → file channel → avro sink, seq → memory → logger; the collector avro → memory →
/// null), run here as captured with a free port and a scratch directory, and compared member by member with the capture.
/// </summary>
public sealed class CapturedMetricsTests
{
    private const int InputLines = 1000;

    /// <summary>Our deliberate differences (docs/compatibility.md): the seq source counts what it generates.</summary>
    private static readonly Dictionary<(string Type, string Attribute), string> OursInstead = new()
    {
        [("seq", "EventReceivedCount")] = "EventAcceptedCount",
    };

    [Fact]
    public void Counters_of_the_captured_configurations_match_Flume()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File("input.log"), Enumerable.Range(1, InputLines).Select(i => $"line {i}"));
        var avroPort = Net.FreePort();
        var processes = new List<FlumeProcess>();
        try
        {
            // The collector first, then the agent that sends to it.
            var started = new List<(Agent Agent, FlumeProcess Process, int Port)>();
            foreach (var (name, file) in new[] { ("b1", "collector"), ("a1", "agent") })
            {
                var properties = Capture(file + ".properties")
                    .Replace("DIR/", dir.Path + "/", StringComparison.Ordinal)
                    .Replace("41515", avroPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
                var agent = Agent.Load(name, properties, Capture(file + "-metrics.json"));
                var port = Net.FreePort();
                var process = FlumeProcess.StartAgent(dir.Write(name + ".properties", properties), name, MetricsHttp.Flags(port));
                processes.Add(process);
                foreach (var avro in agent.Components.Where(c => c.Kind == "sources" && c.Type == "avro"))
                {
                    Retry.Until(() => Net.IsListening("127.0.0.1", int.Parse(avro.Props["port"], System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(30), () => "avro source not listening\n" + process.Tail());
                }

                started.Add((agent, process, port));
            }

            var compared = 0;
            foreach (var (agent, process, port) in started)
            {
                var types = agent.Components.ToDictionary(c => c.Member, c => c.Type, StringComparer.Ordinal);
                var metrics = MetricsHttp.WaitForMetrics(process, port, m => Mismatches(agent.Captured, m, types).Count == 0, $"{agent.Name}: counters as captured");
                Assert.Empty(Mismatches(agent.Captured, metrics, types));
                compared += agent.Captured.Sum(m => m.Value.Count);
            }

            // Every captured attribute: 66 of the agent (TAILDIR, file channel, avro sink, seq, memory, logger), 23 of the collector.
            Assert.Equal(89, compared);
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

    /// <summary>One component of a properties file (kind, name) and its own keys.</summary>
    private sealed record Component(string Kind, string Name, Dictionary<string, string> Props)
    {
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
                    components.Add(new Component(kind, n, props.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value, StringComparer.Ordinal)));
                }
            }

            return new Agent(name, components, MetricsHttp.Parse(capturedJson));
        }
    }
}
