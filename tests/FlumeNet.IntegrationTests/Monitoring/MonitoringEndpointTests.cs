using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests.Monitoring;

/// <summary>The monitoring endpoint of a running agent: routes, the JSON document, Prometheus output, reloads, bad settings.</summary>
public sealed class MonitoringEndpointTests
{
    [Fact]
    public void Routes_json_shape_prometheus_and_reload()
    {
        using var dir = new TempDir();
        var conf = dir.Write("a1.properties", SeqConf.Of("r1", "c1", "k1", 100, "null"));
        var port = Net.FreePort();
        using var agent = FlumeProcess.Start(["agent", "-n", "a1", "-f", conf, "-i", "1", "-Dflume.root.logger=INFO,console", .. MetricsHttp.Flags(port)], "monitored agent");
        MetricsHttp.WaitForMetrics(agent, port, m => m.TryGetValue("SINK.k1", out var k) && k["EventDrainSuccessCount"] == "100", "100 events drained");

        var index = MetricsHttp.Send(port, "/");
        Assert.Equal((200, "For Flume metrics please click <a href = \"./metrics\"> here</a>."), (index.Status, index.Body));
        Assert.Contains("text/html", index.ContentType, StringComparison.Ordinal);
        Assert.Equal(403, MetricsHttp.Send(port, "/metrics", "TRACE").Status);
        Assert.Equal(403, MetricsHttp.Send(port, "/", "OPTIONS").Status);
        Assert.Equal(404, MetricsHttp.Send(port, "/nothing").Status);

        var (status, contentType, body) = MetricsHttp.Send(port, "/Metrics");
        Assert.Equal(200, status);
        Assert.Contains("application/json", contentType, StringComparison.Ordinal);
        Assert.Contains("utf-8", contentType, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" ", body);
        var metrics = MetricsHttp.Parse(body); // throws unless every value is a string
        Assert.Equal(["CHANNEL.c1", "SINK.k1", "SOURCE.r1"], metrics.Keys.Order(StringComparer.Ordinal));
        foreach (var (member, attributes) in metrics)
        {
            Assert.Equal(member.Split('.')[0], attributes["Type"]);
            Assert.Equal("0", attributes["StopTime"]);
            Assert.True(long.Parse(attributes["StartTime"], System.Globalization.CultureInfo.InvariantCulture) > 1_700_000_000_000, member);
        }

        Assert.Equal(("100", "100", "0", "0.0"), (metrics["CHANNEL.c1"]["EventPutSuccessCount"], metrics["CHANNEL.c1"]["EventTakeSuccessCount"], metrics["CHANNEL.c1"]["ChannelSize"], metrics["CHANNEL.c1"]["ChannelFillPercentage"]));

        var prometheus = MetricsHttp.Send(port, "/prometheus");
        Assert.Equal(200, prometheus.Status);
        Assert.Contains("text/plain", prometheus.ContentType, StringComparison.Ordinal);
        Assert.Contains("flume_channel_event_put_success_total{agent=\"a1\",component=\"c1\"} 100\n", prometheus.Body);
        Assert.Contains("flume_channel_size{agent=\"a1\",component=\"c1\"} 0\n", prometheus.Body);
        Assert.Contains("\nprocess_resident_memory_bytes ", prometheus.Body);
        var (code, output) = Promtool(dir, prometheus.Body);
        Assert.True(code == 0 && output.Length == 0, $"promtool check metrics: exit {code}\n{output}\n{prometheus.Body}");

        // A reload replaces every component: the new ones appear (counted from 0), the removed ones disappear.
        File.WriteAllText(conf, SeqConf.Of("r2", "c2", "k2", 50, "logger"));
        File.SetLastWriteTimeUtc(conf, DateTime.UtcNow.AddSeconds(2));
        var reloaded = MetricsHttp.WaitForMetrics(agent, port, m => m.TryGetValue("CHANNEL.c2", out var c) && c["EventTakeSuccessCount"] == "50", "the reloaded configuration's counters");
        Assert.Equal(["CHANNEL.c2", "SINK.k2", "SOURCE.r2"], reloaded.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("50", reloaded["SOURCE.r2"]["EventAcceptedCount"]);
    }

    [Theory]
    [InlineData("in use", "flume.monitoring.port")]
    [InlineData("-Dflume.monitoring.port=70000", "flume.monitoring.port")]
    [InlineData("-Dflume.monitoring.type=ganglia", "flume.monitoring.type")]
    public void Bad_monitoring_settings_are_one_error_and_the_agent_runs_on(string setting, string key)
    {
        using var dir = new TempDir();
        var conf = dir.Write("a1.properties", SeqConf.Of("r1", "c1", "k1", 3, "logger"));
        var port = Net.FreePort();
        using var holder = new TcpListener(IPAddress.Loopback, port);
        var flags = MetricsHttp.Flags(port).ToList();
        if (setting == "in use")
        {
            holder.Start();
        }
        else
        {
            flags.RemoveAll(f => f.StartsWith(setting.Split('=')[0] + "=", StringComparison.Ordinal));
            flags.Add(setting);
        }

        using var agent = FlumeProcess.StartAgent(conf, "a1", [.. flags]);
        agent.WaitForLine("[ERROR", TimeSpan.FromSeconds(30));
        Retry.Until(() => LoggerLines.Bodies(agent.Lines).Count == 3, TimeSpan.FromSeconds(30), () => "events did not flow\n" + agent.Tail());
        var errors = agent.Lines.Where(l => l.Contains("[ERROR", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, string.Join('\n', errors));
        Assert.Contains(key, errors[0], StringComparison.Ordinal);
        Assert.Contains(setting == "in use" ? port.ToString(System.Globalization.CultureInfo.InvariantCulture) : setting.Split('=')[1], errors[0], StringComparison.Ordinal);
        Assert.False(agent.HasExited);
    }

    /// <summary>Runs Prometheus's own <c>promtool check metrics</c> on <paramref name="exposition"/>.</summary>
    internal static (int ExitCode, string Output) Promtool(TempDir dir, string exposition)
    {
        var file = dir.Write("exposition.txt", exposition);
        var psi = new ProcessStartInfo("/bin/sh", ["-c", $"promtool check metrics < '{file}'"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), "promtool did not finish");
        Assert.False(p.ExitCode == 127, "promtool is missing: scripts/test.sh installs Debian's prometheus package");
        return (p.ExitCode, output.Trim());
    }
}
