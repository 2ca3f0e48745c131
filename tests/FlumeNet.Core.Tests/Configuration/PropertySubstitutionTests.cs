using FlumeNet.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace FlumeNet.Core.Tests.Configuration;

public class PropertySubstitutionTests
{
    private static readonly Dictionary<string, string> Env = new() { ["HOME_DIR"] = "/home/flume", ["PORT"] = "4141", ["NAME"] = "inner" };

    private static ConfigurationEnvironment Environment(Dictionary<string, string>? sys = null) =>
        new(sys ?? new Dictionary<string, string> { ["agent.port"] = "5555" }, n => Env.TryGetValue(n, out var v) ? v : null);

    private static Dictionary<string, string> Apply(params (string Key, string Value)[] pairs) => Apply(null, pairs);

    private static Dictionary<string, string> Apply(List<ConfigProblem>? problems, params (string Key, string Value)[] pairs)
    {
        var entries = pairs.Select((p, i) => new PropertyEntry(p.Key, p.Value, "f", i + 1)).ToList();
        return PropertySubstitution.Apply(entries, Environment(), problems).ToDictionary(e => e.Key, e => e.Value);
    }

    [Fact]
    public void EnvAndSys()
    {
        var r = Apply(("a", "${env:HOME_DIR}/x"), ("b", "${sys:agent.port}"), ("c", "${SYS:agent.port}"));
        Assert.Equal("/home/flume/x", r["a"]);
        Assert.Equal("5555", r["b"]);
        Assert.Equal("5555", r["c"]);
    }

    [Fact]
    public void KeyReferenceResolvesRegardlessOfOrder()
    {
        // Flume leaves ${NC_PORT} literal here (hash-order quirk); FlumeNet resolves it.
        var r = Apply(("a1.sources.r1.port", "${NC_PORT}"), ("NC_PORT", "44444"));
        Assert.Equal("44444", r["a1.sources.r1.port"]);
    }

    [Fact]
    public void UnprefixedNamesNeverReadTheEnvironment()
    {
        Assert.Equal("${PORT}", Apply(("a", "${PORT}"))["a"]);
    }

    [Fact]
    public void PrefixedLookupFallsBackToKeyWithPrefixStripped()
    {
        var r = Apply(("a", "${env:MISSING_X}"), ("MISSING_X", "fromkey"), ("b", "${foo:MISSING_X}"));
        Assert.Equal("fromkey", r["a"]);
        Assert.Equal("fromkey", r["b"]);
    }

    [Fact]
    public void DefaultsEscapesAndUnresolvable()
    {
        var r = Apply(("a", "${NOPE:-dflt}"), ("b", "$${X}"), ("c", "pre ${NOPE} post"), ("d", "${env:NOPE:-/tmp}"), ("e", "cost $5 and ${"));
        Assert.Equal("dflt", r["a"]);
        Assert.Equal("${X}", r["b"]);
        Assert.Equal("pre ${NOPE} post", r["c"]);
        Assert.Equal("/tmp", r["d"]);
        Assert.Equal("cost $5 and ${", r["e"]);
    }

    [Fact]
    public void NestedAndRecursive()
    {
        var r = Apply(("which", "NAME"), ("a", "${env:${which}}"), ("b", "${c}"), ("c", "${d}!"), ("d", "deep"));
        Assert.Equal("inner", r["a"]);
        Assert.Equal("deep!", r["b"]);
        Assert.Equal("deep!", r["c"]);
    }

    [Fact]
    public void CycleIsLeftUnchangedAndWarned()
    {
        var problems = new List<ConfigProblem>();
        var r = Apply(problems, ("x", "${y}"), ("y", "${x}"), ("z", "${z}"));
        Assert.Equal("${y}", r["x"]);
        Assert.Equal("${x}", r["y"]);
        Assert.Equal("${z}", r["z"]);
        Assert.Contains(problems, p => p.Key == "z" && p.Severity == ProblemSeverity.Warning);
        Assert.Contains(problems, p => p.Key == "x");
    }

    [Fact]
    public void ValuesAreTrimmedAfterSubstitution()
    {
        var r = PropertySubstitution.Apply([new PropertyEntry("a", "${env:SPACEY}", "f", 1)], new ConfigurationEnvironment(new Dictionary<string, string>(), _ => "  x  "));
        Assert.Equal("x", r.Single().Value);
    }

    [Fact]
    public void KeysAreNeverSubstituted()
    {
        Assert.True(Apply(("${a}", "v"), ("a", "b")).ContainsKey("${a}"));
    }

    [Fact]
    public void DateAndJavaLookups()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 4, 11, 11, 136, TimeSpan.Zero));
        time.SetLocalTimeZone(TimeZoneInfo.Utc);
        var env = new ConfigurationEnvironment(new Dictionary<string, string>(), _ => null, time);
        Assert.Equal("2026-11-25 04:11:11,136 'x'", PropertySubstitution.Substitute("${date:yyyy-MM-dd HH:mm:ss,SSS ''x''}", _ => null, env));
        Assert.StartsWith("Java version ", PropertySubstitution.Substitute("${java:version}", _ => null, env), StringComparison.Ordinal);
    }
}
