using System.Text;
using FlumeNet.Configuration;
using Microsoft.Extensions.Configuration;

namespace FlumeNet.Core.Tests.Configuration;

public sealed class PropertiesConfigurationProviderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"flumenet-cfg-{Guid.NewGuid():N}");

    public PropertiesConfigurationProviderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text));
        return path;
    }

    [Fact]
    public void KeysDifferingOnlyInCaseSurviveDistinctlyInEntries()
    {
        var path = Write("a.conf", "a1.channels.c1.transactionCapacity = 100\na1.channels.c1.transactioncapacity = 5\n");
        var root = new ConfigurationBuilder().AddPropertiesFile(path).Build();

        var entries = PropertiesConfiguration.ReadEntries(root);
        Assert.Equal(2, entries.Count);
        Assert.Equal("100", entries.Single(e => e.Key == "a1.channels.c1.transactionCapacity").Value);
        Assert.Equal("5", entries.Single(e => e.Key == "a1.channels.c1.transactioncapacity").Value);

        // The case-insensitive IConfiguration view collapses them (last wins).
        Assert.Equal("5", root["a1.channels.c1.TRANSACTIONCAPACITY"]);
    }

    [Fact]
    public void SeveralFilesMergeInOrderLaterWins()
    {
        var f1 = Write("one.conf", "a1.sources.r1.port = ${NC_PORT}\na1.x = 1\n");
        var f2 = Write("two.conf", "NC_PORT = 44444\na1.x = 2\n");
        var root = new ConfigurationBuilder().AddPropertiesFile(f1).AddPropertiesFile(f2).Build();

        var entries = PropertiesConfiguration.ReadEntries(root);
        Assert.Equal(new[] { "a1.sources.r1.port", "a1.x", "NC_PORT" }, entries.Select(e => e.Key));
        var x = entries.Single(e => e.Key == "a1.x");
        Assert.Equal(("2", f2, 2), (x.Value, x.File, x.Line));
        Assert.Equal("2", root["a1.x"]);
    }

    [Fact]
    public void MissingFileThrowsUnlessOptional()
    {
        var missing = Path.Combine(_dir, "missing.conf");
        Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddPropertiesFile(missing).Build());
        var root = new ConfigurationBuilder().AddPropertiesFile(missing, optional: true).Build();
        Assert.Empty(PropertiesConfiguration.ReadEntries(root));
    }

    [Fact]
    public void MalformedEscapePropagatesWithFileAndLine()
    {
        var path = Write("bad.conf", "a = 1\nb = \\uZZZZ\n");
        var ex = Assert.Throws<PropertiesFormatException>(() => new ConfigurationBuilder().AddPropertiesFile(path).Build());
        Assert.Equal(2, ex.Line);
        Assert.Contains("bad.conf", ex.File, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherProvidersAreIgnoredByReadEntries()
    {
        var path = Write("a.conf", "a1.k = v\n");
        var root = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["x"] = "y" })
            .AddPropertiesFile(path)
            .Build();
        Assert.Equal("a1.k", PropertiesConfiguration.ReadEntries(root).Single().Key);
    }

    [Theory]
    [InlineData("/etc/flume/agent.json", "json")]
    [InlineData("/etc/flume.d/agent.json", null)]
    [InlineData("/opt/flume-1.11.0/conf/a.conf", null)]
    [InlineData("/etc/flume/a.xml", "xml")]
    [InlineData("/etc/flume/noext", null)]
    public void FlumeExtensionQuirk(string path, string? skipped)
    {
        Assert.Equal(skipped, PropertiesConfiguration.FlumeSkippedExtension(path));
    }
}
