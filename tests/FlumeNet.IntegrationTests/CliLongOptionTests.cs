using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary>Every long option also in the <c>--option=value</c> form, as Java Flume's parser takes it.</summary>
public sealed class CliLongOptionTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public void Agent_runs_with_name_conf_file_conf_and_poll_interval_given_with_equals()
    {
        using var dir = new TempDir();
        var port = Net.FreePort();
        var conf = dir.Write("agent.properties", Collector.NetcatToLogger(port));
        using var agent = FlumeProcess.Start([
            "agent", "--name=a1", $"--conf-file={conf}", $"--conf={dir.Path}", "--poll-interval=5", "-Dflume.root.logger=INFO,console"], "agent with --opt=value");
        agent.WaitForLine("Created serverSocket", Long);
        Assert.DoesNotContain(agent.Lines, l => l.Contains("Error", StringComparison.Ordinal));
        Assert.DoesNotContain(agent.Lines, l => l.Contains("No configuration directory set", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_file_given_with_equals_is_named()
    {
        using var dir = new TempDir();
        var missing = dir.File("missing.properties");
        using var p = Run("agent", "--name=a1", $"--conf-file={missing}");
        Assert.Equal(1, p.ExitCode);
        Assert.Equal($"Error: --conf-file: unable to read {missing}: no such file", Assert.Single(p.Lines, l => l.Length > 0));
    }

    [Fact]
    public void A_value_on_a_flag_is_a_usage_error()
    {
        using var p = Run("agent", "--name=a1", "--no-reload-conf=true");
        Assert.Equal(1, p.ExitCode);
        Assert.StartsWith("Error: Option --no-reload-conf takes no value", p.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Avro_client_takes_host_and_port_with_equals()
    {
        var closed = Net.FreePort();
        using var p = Run("avro-client", "--host=127.0.0.1", $"--port={closed}");
        Assert.Equal(2, p.ExitCode); // a connection failure to that port, not a usage error (1)
        Assert.Contains(p.Lines, l => l.Contains($"127.0.0.1:{closed}", StringComparison.Ordinal));
    }

    private static FlumeProcess Run(params string[] args)
    {
        var p = FlumeProcess.Start(args, stdin: string.Empty);
        Assert.True(p.WaitForExit(Long), "flume-ng did not exit");
        return p;
    }
}
