using System.Globalization;
using System.Text.RegularExpressions;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests.Failover;

/// <summary>
/// The reference walkthrough's processes (conf/flume-failover-*.properties): collector1 on 127.0.0.2 and
/// collector2 on 127.0.0.3 (free ports, not 4444), each the seed server file with only <c>bind</c> and
/// <c>port</c> changed, and the agent on the seed client file with only the peers and the tailed command
/// changed (<c>tail -F</c> of a temp file), plus <c>processor.maxpenalty</c> when given. Every collector
/// process ever started is kept, so the lines a collector printed are counted across its restarts.
/// </summary>
internal sealed partial class FailoverScenario : IDisposable
{
    public const string Host1 = "127.0.0.2";
    public const string Host2 = "127.0.0.3";
    public const int ExecBatchSize = 20; // the exec source's default batchSize: what one fault may duplicate

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly TempDir _dir = new();
    private readonly List<FlumeProcess>[] _collectors = [[], []];
    private readonly List<FlumeProcess> _agents = [];
    private readonly List<(int Step, string Body)> _appended = [];
    private readonly string _collectorConf1;
    private readonly string _collectorConf2;
    private readonly string _agentConf;
    private int _seq;

    public FailoverScenario(int? maxPenaltyMs)
    {
        Port1 = Net.FreePort(Host1);
        Port2 = Net.FreePort(Host2);
        TailedFile = _dir.Write("server.log", string.Empty);

        var server = File.ReadAllText(Path.Combine(FlumeBinary.RepoRoot, "conf", "flume-failover-server.properties"));
        _collectorConf1 = _dir.Write("collector1.properties", ServerConf(server, Host1, Port1));
        _collectorConf2 = _dir.Write("collector2.properties", ServerConf(server, Host2, Port2));

        var client = File.ReadAllText(Path.Combine(FlumeBinary.RepoRoot, "conf", "flume-failover-client.properties"));
        client = Replace(client, "a1.sources.r1.command = tail -f /root/flume_test/server.log", $"a1.sources.r1.command = tail -F {TailedFile}");
        client = Replace(client, "a1.sinks.k1.hostname = slave1", $"a1.sinks.k1.hostname = {Host1}");
        client = Replace(client, "a1.sinks.k1.port = 4444", $"a1.sinks.k1.port = {Port1}");
        client = Replace(client, "a1.sinks.k2.hostname = slave2", $"a1.sinks.k2.hostname = {Host2}");
        client = Replace(client, "a1.sinks.k2.port = 4444", $"a1.sinks.k2.port = {Port2}");
        if (maxPenaltyMs is { } ms)
        {
            client += $"\na1.sinkgroups.g1.processor.maxpenalty = {ms.ToString(CultureInfo.InvariantCulture)}\n";
        }

        _agentConf = _dir.Write("agent.properties", client);
    }

    public int Port1 { get; }

    public int Port2 { get; }

    public string TailedFile { get; }

    public FlumeProcess Agent => _agents.Count > 0 ? _agents[^1] : throw new InvalidOperationException("the agent was not started");

    /// <summary>Every line appended so far, with its step.</summary>
    public IReadOnlyList<(int Step, string Body)> Appended => _appended;

    /// <summary>Starts collector <paramref name="n"/> (1 or 2) and waits until it listens.</summary>
    public FlumeProcess StartCollector(int n)
    {
        var p = FlumeProcess.StartAgent(n == 1 ? _collectorConf1 : _collectorConf2, "a1");
        _collectors[n - 1].Add(p);
        p.WaitForLine($"Avro RPC server listening on {(n == 1 ? Host1 : Host2)}:{(n == 1 ? Port1 : Port2)}", StartTimeout);
        return p;
    }

    /// <summary>Run <paramref name="run"/> (0 = first start) of collector <paramref name="n"/>.</summary>
    public FlumeProcess Collector(int n, int run) => _collectors[n - 1][run];

    /// <summary>Starts the agent and waits until both sinks and the exec source have started.</summary>
    public FlumeProcess StartAgent()
    {
        var p = FlumeProcess.StartAgent(_agentConf, "a1");
        _agents.Add(p);
        p.WaitForLine("Rpc sink k2 started.", StartTimeout);
        p.WaitForLine("Exec source starting", StartTimeout);
        return p;
    }

    /// <summary>SIGKILLs the running process of collector <paramref name="n"/>.</summary>
    public DateTime Kill9(int n)
    {
        var p = _collectors[n - 1][^1];
        var at = DateTime.Now;
        p.Signal(9);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(10)), $"collector{n} did not exit after SIGKILL");
        return at;
    }

    /// <summary>Appends one numbered line ("S3-0042": 7 bytes, within the logger sink's 16-byte preview).</summary>
    public string AppendOne(int step)
    {
        _seq++;
        var body = $"S{step}-{_seq:D4}";
        File.AppendAllText(TailedFile, body + "\n");
        _appended.Add((step, body));
        return body;
    }

    /// <summary>Appends <paramref name="count"/> lines, four every 100 ms.</summary>
    public IReadOnlyList<string> Append(int step, int count = 20)
    {
        var bodies = new List<string>(count);
        for (var i = 1; i <= count; i++)
        {
            bodies.Add(AppendOne(step));
            if (i % 4 == 0 && i < count)
            {
                Thread.Sleep(100); // the trickle itself, not a wait for a condition
            }
        }

        return bodies;
    }

    /// <summary>The bodies collector <paramref name="n"/> printed, across all its runs, duplicates kept.</summary>
    public IReadOnlyList<string> Received(int n) => _collectors[n - 1].SelectMany(p => LoggerLines.Bodies(p.Lines)).ToArray();

    public IReadOnlyList<string> Undelivered()
    {
        var got = Received(1).Concat(Received(2)).ToHashSet(StringComparer.Ordinal);
        return _appended.Where(a => !got.Contains(a.Body)).Select(a => a.Body).ToArray();
    }

    public void WaitAllDelivered(TimeSpan timeout) =>
        Retry.Until(() => Undelivered().Count == 0, timeout, () => $"undelivered: {string.Join(' ', Undelivered())}\n{Report()}");

    /// <summary>How often each delivered body was printed beyond the first time, over both collectors.</summary>
    public IReadOnlyDictionary<string, int> Duplicates() =>
        Received(1).Concat(Received(2)).GroupBy(b => b, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .ToDictionary(g => g.Key, g => g.Count() - 1, StringComparer.Ordinal);

    /// <summary>The log time of the first event <paramref name="p"/> printed, if any.</summary>
    public static DateTime? FirstEventAt(FlumeProcess p) =>
        p.Lines.FirstOrDefault(l => l.Contains("LoggerSink", StringComparison.Ordinal) && l.Contains("Event: {", StringComparison.Ordinal)) is { } line
            ? LogTime(line) : null;

    /// <summary>The time of a console line "2026-11-25 04:11:11,089 (thread) [...] ..." (local time).</summary>
    public static DateTime LogTime(string line) =>
        DateTime.ParseExact(line[..23], "yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal);

    /// <summary>Agent console lines that belong to a stack trace ("   at X.Y()").</summary>
    public IReadOnlyList<string> AgentStackTraceLines() => _agents.SelectMany(a => a.Lines).Where(l => StackFrame().IsMatch(l)).ToArray();

    /// <summary>Per step: appended, at collector1, at collector2; then each process's last lines.</summary>
    public string Report()
    {
        var c1 = Received(1);
        var c2 = Received(2);
        var lines = new List<string> { "step appended c1 c2" };
        foreach (var g in _appended.GroupBy(a => a.Step))
        {
            var set = g.Select(a => a.Body).ToHashSet(StringComparer.Ordinal);
            lines.Add($"{g.Key} {set.Count} {c1.Count(set.Contains)} {c2.Count(set.Contains)}");
        }

        foreach (var a in _agents)
        {
            lines.Add($"--- {a.Description}:\n{a.Tail(40)}");
        }

        for (var i = 0; i < 2; i++)
        {
            foreach (var c in _collectors[i])
            {
                lines.Add($"--- collector{i + 1} ({c.Description}):\n{c.Tail(8)}");
            }
        }

        return string.Join('\n', lines);
    }

    public void Dispose()
    {
        foreach (var p in _agents.Concat(_collectors.SelectMany(c => c)))
        {
            p.Dispose();
        }

        _dir.Dispose();
    }

    private static string ServerConf(string seed, string host, int port)
    {
        var conf = Replace(seed, "a1.sources.r1.bind = slave1", $"a1.sources.r1.bind = {host}");
        return Replace(conf, "a1.sources.r1.port = 4444", $"a1.sources.r1.port = {port.ToString(CultureInfo.InvariantCulture)}");
    }

    private static string Replace(string text, string line, string with)
    {
        if (!text.Contains(line, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the seed configuration no longer contains '{line}'");
        }

        return text.Replace(line, with, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s+at ")]
    private static partial Regex StackFrame();
}
