using System.Net;
using FlumeNet.Agent;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlumeNet.IntegrationTests.Monitoring;

/// <summary>How <c>-Dflume.monitoring.*</c> and <c>-Dflume.log.*</c> are read (no process needed).</summary>
public sealed class MonitoringOptionsTests
{
    private static MonitoringOptions? Read(params (string Key, string Value)[] props) =>
        MonitoringOptions.FromSystemProperties(props.ToDictionary(p => p.Key, p => p.Value), NullLogger.Instance);

    [Fact]
    public void Http_or_Flumes_class_name_turn_it_on_with_Flumes_defaults()
    {
        Assert.Null(Read());
        Assert.Null(Read(("flume.monitoring.port", "34545")));
        Assert.Equal(new MonitoringOptions(IPAddress.Any, 41414), Read(("flume.monitoring.type", "HTTP")));
        Assert.Equal(new MonitoringOptions(IPAddress.Any, 34545), Read(("flume.monitoring.type", "org.apache.flume.instrumentation.http.HTTPMetricsServer"), ("flume.monitoring.port", "34545")));
        Assert.Equal(new MonitoringOptions(IPAddress.Loopback, 1), Read(("flume.monitoring.type", "http"), ("flume.monitoring.port", "1"), ("flume.monitoring.bind", "127.0.0.1")));
    }

    [Theory]
    [InlineData("flume.monitoring.type", "ganglia")]
    [InlineData("flume.monitoring.port", "0")]
    [InlineData("flume.monitoring.port", "65536")]
    [InlineData("flume.monitoring.port", "-1")]
    [InlineData("flume.monitoring.port", "41414x")]
    [InlineData("flume.monitoring.bind", "localhost:1")]
    public void Bad_values_turn_it_off(string key, string value)
    {
        var props = new Dictionary<string, string> { ["flume.monitoring.type"] = "http", [key] = value };
        Assert.Null(MonitoringOptions.FromSystemProperties(props, NullLogger.Instance));
    }

    [Theory]
    [InlineData("100MB", 100L << 20)]
    [InlineData("4KB", 4096)]
    [InlineData("1 GB", 1L << 30)]
    [InlineData("512", 512)]
    [InlineData("512b", 512)]
    public void Log_sizes_take_units(string text, long bytes)
    {
        Assert.True(LogFileOptions.TryParseSize(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Fact]
    public void Log_file_defaults_are_Flumes_and_bad_values_warn()
    {
        var warnings = new List<string>();
        var defaults = LogFileOptions.FromSystemProperties(new Dictionary<string, string>(), warnings.Add);
        Assert.Equal(Path.Combine("./logs", "flume.log"), defaults.Path);
        Assert.Equal((LogFileOptions.DefaultMaxBytes, 20), (defaults.MaxBytes, defaults.MaxBackups));
        Assert.Empty(warnings);

        var bad = LogFileOptions.FromSystemProperties(new Dictionary<string, string> { ["flume.log.maxsize"] = "lots", ["flume.log.maxbackups"] = "0" }, warnings.Add);
        Assert.Equal((LogFileOptions.DefaultMaxBytes, 20), (bad.MaxBytes, bad.MaxBackups));
        Assert.Equal(2, warnings.Count);
        Assert.Contains("flume.log.maxsize", warnings[0], StringComparison.Ordinal);
    }
}
