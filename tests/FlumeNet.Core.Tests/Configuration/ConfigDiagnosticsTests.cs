using FlumeNet.Configuration;

namespace FlumeNet.Core.Tests.Configuration;

public class ConfigDiagnosticsTests
{
    [Theory]
    [InlineData("transactioncapacity", "transactionCapacity")]
    [InlineData("capcity", "capacity")]
    [InlineData("maxpenality", "maxpenalty")]
    [InlineData("cpaacity", "capacity")]
    [InlineData("zzzzzz", null)]
    public void Suggest(string unknown, string? expected)
    {
        Assert.Equal(expected, ConfigDiagnostics.Suggest(unknown, ["capacity", "transactionCapacity", "maxpenalty", "keep-alive"]));
    }

    [Fact]
    public void CaseInsensitiveEqualityWinsOverCloserDistance()
    {
        Assert.Equal("ABC", ConfigDiagnostics.Suggest("abc", ["abd", "ABC"]));
    }

    [Fact]
    public void TranspositionCountsAsOne()
    {
        Assert.Equal(1, ConfigDiagnostics.Distance("ab", "ba"));
        Assert.Equal(3, ConfigDiagnostics.Distance("kitten", "sitting"));
    }

    [Fact]
    public void UnknownKeyProblemsSuggestFromAskedKeys()
    {
        var props = new Dictionary<string, string> { ["type"] = "memory", ["capacity"] = "1000", ["transactioncapacity"] = "100" };
        var ctx = new ComponentContext("c1", "a1.channels.c1.", props);
        ctx.MarkKnown("type");
        ctx.GetInt("capacity", 100);
        ctx.GetInt("transactionCapacity", 100);

        var p = Assert.Single(ConfigDiagnostics.UnknownKeyProblems(ctx));
        Assert.Equal(ProblemSeverity.Warning, p.Severity);
        Assert.Equal("a1.channels.c1.transactioncapacity: unknown key, ignored (did you mean 'transactionCapacity'?)", p.ToString());
    }
}
