using System.Net.Sockets;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary>
/// A configuration file that cannot be read: at start-up one <c>Error:</c> line and exit 1; while running one ERROR
/// naming the file and the reason, the running configuration keeps going, and the file is tried again at every poll.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConfigFileFaultTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);


    /// <summary>A scratch folder the unprivileged agent can enter (a temporary folder is private to its owner).</summary>
    private static TempDir OpenDir()
    {
        var dir = new TempDir();
        File.SetUnixFileMode(dir.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return dir;
    }

    private static void Readable(string file, bool readable) =>
        File.SetUnixFileMode(file, readable ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead : UnixFileMode.None);

    private static void Send(int port, string line)
    {
        using var c = new TcpClient("127.0.0.1", port);
        var s = c.GetStream();
        s.Write(System.Text.Encoding.ASCII.GetBytes(line + "\n"));
        var buf = new byte[16];
        _ = s.Read(buf); // "OK"
    }

    private static void AssertDelivers(FlumeProcess agent, int port, string body)
    {
        Send(port, body);
        agent.WaitForLine(body, Long);
    }

    private static FlumeProcess StartPolling(string conf, string description) =>
        FlumeProcess.StartUnprivileged(["agent", "-n", "a1", "-f", conf, "-i", "1", "-Dflume.root.logger=INFO,console"], description);

    [Fact]
    public void Unreadable_file_at_start_is_one_error_line_and_exit_1()
    {
        using var dir = OpenDir();
        var conf = dir.Write("agent.properties", Collector.NetcatToLogger(Net.FreePort()));
        Readable(conf, false);
        using var p = FlumeProcess.StartUnprivileged(["agent", "-n", "a1", "-f", conf, "--no-reload-conf"], "unreadable at start");
        AssertOneErrorLineAndExit1(p, $"Error: --conf-file: unable to read {conf}: permission denied");
    }

    [Fact]
    public void Directory_given_as_file_at_start_is_one_error_line_and_exit_1()
    {
        using var dir = OpenDir();
        using var p = FlumeProcess.Start(["agent", "-n", "a1", "-f", dir.Path, "--no-reload-conf"], "directory at start");
        AssertOneErrorLineAndExit1(p, $"Error: --conf-file: unable to read {dir.Path}: is a directory");
    }

    private static void AssertOneErrorLineAndExit1(FlumeProcess p, string expected)
    {
        Assert.True(p.WaitForExit(Long));
        Assert.Equal(1, p.ExitCode);
        Assert.Equal(expected, Assert.Single(p.Lines, l => l.Length > 0));
    }

    [Fact]
    public void File_made_unreadable_while_running_is_reported_once_and_the_agent_keeps_running()
    {
        using var dir = OpenDir();
        var port = Net.FreePort();
        var conf = dir.Write("agent.properties", Collector.NetcatToLogger(port));
        Readable(conf, true);
        using var agent = StartPolling(conf, "unreadable while running");
        agent.WaitForLine("Created serverSocket", Long);
        AssertDelivers(agent, port, "before-chmod");

        Readable(conf, false);
        var error = agent.WaitForLine("permission denied", Long);
        Assert.Contains("[ERROR", error, StringComparison.Ordinal);
        Assert.Contains(conf, error, StringComparison.Ordinal);
        AssertDelivers(agent, port, "unreadable-ok");
        Retry.Until(() => agent.CountLines("Reloading configuration") == 0 && agent.Lines.Count(l => l.Contains("permission denied", StringComparison.Ordinal)) == 1, TimeSpan.FromSeconds(3), "still one line");

        // Readable again (same write time): tried at the next poll and applied.
        Readable(conf, true);
        agent.WaitForLine("Reloading configuration", Long);
        Retry.Until(() => agent.CountLines("Created serverSocket") == 2, Long, () => $"the source was not restarted:\n{agent.Tail()}");
        AssertDelivers(agent, port, "after-chmod");
        Assert.False(agent.HasExited);
        Assert.Single(agent.Lines, l => l.Contains("permission denied", StringComparison.Ordinal));
        Assert.Empty(agent.StackFrameLines());
    }

    [Fact]
    public void File_deleted_then_a_directory_then_malformed_while_running_each_is_one_error_and_the_pipeline_keeps_delivering()
    {
        using var dir = OpenDir();
        var port = Net.FreePort();
        var conf = dir.Write("agent.properties", Collector.NetcatToLogger(port));
        using var agent = StartPolling(conf, "file faults while running");
        agent.WaitForLine("Created serverSocket", Long);

        File.Delete(conf);
        var deleted = agent.WaitForLine("no such file", Long);
        Assert.Contains("[ERROR", deleted, StringComparison.Ordinal);
        Assert.Contains(conf, deleted, StringComparison.Ordinal);
        AssertDelivers(agent, port, "deleted-ok");

        Directory.CreateDirectory(conf);
        var directory = agent.WaitForLine("is a directory", Long);
        Assert.Contains(conf, directory, StringComparison.Ordinal);
        AssertDelivers(agent, port, "directory-ok");

        Directory.Delete(conf);
        File.WriteAllText(conf, Collector.NetcatToLogger(port, "a1.sources.r1.bind = \\u12"));
        Readable(conf, true);
        var malformed = agent.WaitForLine("\\u", Long);
        Assert.Contains("[ERROR", malformed, StringComparison.Ordinal);
        AssertDelivers(agent, port, "malformed-ok");

        Assert.False(agent.HasExited);
        Assert.Equal(1, agent.CountLines("no such file"));
        Assert.Equal(1, agent.CountLines("is a directory"));
        Assert.Empty(agent.StackFrameLines());
    }
}
