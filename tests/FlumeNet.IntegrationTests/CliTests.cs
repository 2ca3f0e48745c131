using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary>The <c>flume-ng</c> command line: exit statuses and one-line errors.</summary>
public sealed class CliTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Agent_WithoutName_ExitsNonZero_WithOneLineError()
    {
        using var dir = new TempDir();
        var conf = dir.Write("a.properties", "a1.sources = r1\n");
        using var p = Run("agent", "--conf-file", conf);

        Assert.NotEqual(0, p.ExitCode);
        var line = Assert.Single(p.Lines, l => l.Length > 0);
        Assert.StartsWith("Error:", line, StringComparison.Ordinal);
        Assert.Contains("name", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Agent_WithMissingConfFile_ExitsNonZero_NamingTheFile()
    {
        using var dir = new TempDir();
        var missing = dir.File("does-not-exist.properties");
        using var p = Run("agent", "--name", "a1", "--conf-file", missing);

        Assert.NotEqual(0, p.ExitCode);
        var line = Assert.Single(p.Lines, l => l.Contains(missing, StringComparison.Ordinal));
        Assert.Contains("Error", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Agent_WithUnresolvableSourceType_ExitsNonZero_NamingKeyAndSuggestingExec()
    {
        using var dir = new TempDir();
        var conf = dir.Write("exce.properties", """
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = exce
            a1.sources.r1.command = echo hello
            a1.sources.r1.channels = c1
            a1.channels.c1.type = memory
            a1.sinks.k1.type = logger
            a1.sinks.k1.channel = c1
            """);
        using var p = Run("agent", "--name", "a1", "--conf-file", conf, "-Dflume.root.logger=INFO,console", "--no-reload-conf");

        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains(p.Lines, l => l.Contains("a1.sources.r1.type", StringComparison.Ordinal)
            && l.Contains("exce", StringComparison.Ordinal)
            && l.Contains("'exec'", StringComparison.Ordinal));
        Assert.DoesNotContain(p.Lines, l => l.Contains("Starting Source", StringComparison.Ordinal));
    }

    [Fact]
    public void Version_ExitsZero_PrintingFlumeVersion()
    {
        using var p = Run("version");

        Assert.Equal(0, p.ExitCode);
        Assert.Equal("Flume 1.11.0", p.Lines.First());
    }

    [Fact]
    public void Help_ExitsZero_PrintingUsage()
    {
        using var p = Run("help");

        Assert.Equal(0, p.ExitCode);
        Assert.Contains(p.Lines, l => l.StartsWith("Usage: flume-ng <command>", StringComparison.Ordinal));
        Assert.Contains(p.Lines, l => l.TrimStart().StartsWith("avro-client", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownCommand_ExitsOne_NamingIt()
    {
        using var p = Run("frobnicate");

        Assert.Equal(1, p.ExitCode);
        Assert.Equal("Error: Unknown or unspecified command 'frobnicate'", p.Lines.First());
    }

    private static FlumeProcess Run(params string[] args)
    {
        var p = FlumeProcess.Start(args);
        if (!p.WaitForExit(ExitTimeout))
        {
            var tail = p.Tail();
            p.Dispose();
            Assert.Fail($"flume-ng {string.Join(' ', args)} did not exit:\n{tail}");
        }

        return p;
    }
}
