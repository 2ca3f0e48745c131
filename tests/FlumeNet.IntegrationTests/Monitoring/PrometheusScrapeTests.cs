using System.Diagnostics;
using System.Text.Json;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests.Monitoring;

/// <summary>A real Prometheus server (Debian's <c>prometheus</c>) scrapes a running agent's <c>/prometheus</c>.</summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public void Prometheus_scrapes_the_agent_and_answers_its_counter()
    {
        using var dir = new TempDir();
        var conf = dir.Write("a1.properties", SeqConf.Of("r1", "c1", "k1", 200, "null"));
        var port = Net.FreePort();
        using var agent = FlumeProcess.StartAgent(conf, "a1", MetricsHttp.Flags(port));
        MetricsHttp.WaitForMetrics(agent, port, m => m.TryGetValue("CHANNEL.c1", out var c) && c["EventPutSuccessCount"] == "200", "200 events put");

        var web = Net.FreePort();
        var config = dir.Write("prometheus.yml", $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: flume
                metrics_path: /prometheus
                static_configs:
                  - targets: ['127.0.0.1:{port}']
            """);
        var psi = new ProcessStartInfo("prometheus", [$"--config.file={config}", $"--storage.tsdb.path={dir.File("data")}", $"--web.listen-address=127.0.0.1:{web}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process prometheus;
        try
        {
            prometheus = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("prometheus is missing: scripts/test.sh installs Debian's prometheus package", ex);
        }

        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        prometheus.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? string.Empty);
        prometheus.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? string.Empty);
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var query = Uri.EscapeDataString("flume_channel_event_put_success_total{agent=\"a1\",component=\"c1\"}");
            string? answer = null;
            Retry.Until(
                () =>
                {
                    try
                    {
                        answer = http.GetStringAsync($"http://127.0.0.1:{web}/api/v1/query?query={query}").GetAwaiter().GetResult();
                        using var doc = JsonDocument.Parse(answer);
                        var result = doc.RootElement.GetProperty("data").GetProperty("result");
                        return result.GetArrayLength() == 1 && result[0].GetProperty("value")[1].GetString() == "200";
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                    catch (TaskCanceledException)
                    {
                        return false;
                    }
                },
                TimeSpan.FromSeconds(60),
                () => $"Prometheus did not answer the agent's counter; last answer: {answer}\n{string.Join('\n', log.TakeLast(20))}");

            using var final = JsonDocument.Parse(answer!);
            var metric = final.RootElement.GetProperty("data").GetProperty("result")[0].GetProperty("metric");
            Assert.Equal("flume", metric.GetProperty("job").GetString());
            Assert.Equal("a1", metric.GetProperty("agent").GetString());
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill();
                prometheus.WaitForExit(10_000);
            }

            prometheus.Dispose();
        }
    }
}
