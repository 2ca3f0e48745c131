using System.Text;
using System.Text.Json;
using FlumeNet.Metrics;

namespace FlumeNet.Core.Tests.Metrics;

public sealed class MetricsFormatTests
{
    [Theory]
    [InlineData(0.0, "0.0")]
    [InlineData(5.0, "5.0")]
    [InlineData(100.0, "100.0")]
    [InlineData(1.0 / 3 * 100, "33.33333333333333")]
    [InlineData(1 / 1_000_000.0 * 100, "9.999999999999999E-5")]
    [InlineData(double.MaxValue, "1.7976931348623157E308")]
    [InlineData(0.001, "0.001")]
    [InlineData(0.000999, "9.99E-4")]
    [InlineData(9_999_999.0, "9999999.0")]
    [InlineData(10_000_000.0, "1.0E7")]
    [InlineData(123456789.5, "1.234567895E8")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.5, "0.5")]
    public void Doubles_are_written_as_Java_writes_them(double value, string expected) =>
        Assert.Equal(expected, JavaDouble.ToString(value));

    [Fact]
    public void Channel_fill_is_size_over_capacity_times_100_as_Flume_computes_it()
    {
        var c = new ChannelCounter("c1");
        c.SetChannelCapacity(1_000_000);
        c.SetChannelSize(1);
        Assert.Equal("9.999999999999999E-5", JavaDouble.ToString(c.ChannelFillPercentage));
        c.SetChannelCapacity(3);
        Assert.Equal("33.33333333333333", JavaDouble.ToString(c.ChannelFillPercentage));
    }

    [Fact]
    public void Json_is_one_object_of_string_values_in_Java_hash_order()
    {
        var channel = new ChannelCounter("c2");
        channel.Start();
        channel.SetChannelCapacity(100);
        channel.AddEventPutSuccess(500);
        var file = new ChannelCounter("c1", fileChannel: true) { Open = true };
        var groups = new CounterGroup[] { new SourceCounter("r1"), new SourceCounter("r2"), new SinkCounter("k1"), channel, file };
        var text = Encoding.UTF8.GetString(MetricsJson.ToUtf8(groups));

        Assert.DoesNotContain(" ", text);
        using var doc = JsonDocument.Parse(text);
        // The member order of the capture of a real Flume 1.11 agent with these components.
        Assert.Equal(["SINK.k1", "CHANNEL.c2", "CHANNEL.c1", "SOURCE.r1", "SOURCE.r2"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.All(doc.RootElement.EnumerateObject().SelectMany(m => m.Value.EnumerateObject()), a => Assert.Equal(JsonValueKind.String, a.Value.ValueKind));
        var c2 = doc.RootElement.GetProperty("CHANNEL.c2");
        Assert.Equal(
            ["ChannelCapacity", "ChannelFillPercentage", "Type", "ChannelSize", "EventTakeSuccessCount", "StartTime", "EventTakeAttemptCount", "EventPutAttemptCount", "EventPutSuccessCount", "StopTime"],
            c2.EnumerateObject().Select(p => p.Name));
        Assert.Equal("500", c2.GetProperty("EventPutSuccessCount").GetString());
        Assert.Equal("0.0", c2.GetProperty("ChannelFillPercentage").GetString());
        Assert.Equal("CHANNEL", c2.GetProperty("Type").GetString());
        Assert.Equal("0", c2.GetProperty("StopTime").GetString());
        Assert.Equal("true", doc.RootElement.GetProperty("CHANNEL.c1").GetProperty("Open").GetString());
        Assert.Equal("1.7976931348623157E308", doc.RootElement.GetProperty("CHANNEL.c1").GetProperty("ChannelFillPercentage").GetString());
    }

    [Fact]
    public void Prometheus_families_follow_the_naming_conventions()
    {
        var channel = new ChannelCounter("c1");
        channel.SetChannelCapacity(10);
        channel.SetChannelSize(4);
        channel.AddEventPutSuccess(7);
        var source = new SourceCounter("r\"1");
        source.AddEventAccepted(3);
        var text = PrometheusText.Write("a1", [channel, source, new SinkCounter("k1")], new ProcessStats(1024, 4096, 1.5, 1_700_000_000, 12, 2048));

        Assert.Contains("# TYPE flume_channel_event_put_success_total counter\nflume_channel_event_put_success_total{agent=\"a1\",component=\"c1\"} 7\n", text);
        Assert.Contains("# TYPE flume_channel_size gauge\nflume_channel_size{agent=\"a1\",component=\"c1\"} 4\n", text);
        Assert.Contains("flume_channel_fill_percentage{agent=\"a1\",component=\"c1\"} 40\n", text);
        Assert.Contains("flume_source_event_accepted_total{agent=\"a1\",component=\"r\\\"1\"} 3\n", text);
        Assert.Contains("# TYPE flume_source_open_connections gauge\n", text);
        Assert.Contains("# TYPE flume_sink_event_drain_success_total counter\n", text);
        Assert.Contains("# TYPE flume_sink_start_time_seconds gauge\n", text);
        Assert.Contains("process_resident_memory_bytes 1024\n", text);
        Assert.Contains("process_cpu_seconds_total 1.5\n", text);
        Assert.DoesNotContain("Type", text.Split('\n').Where(l => !l.StartsWith('#')).Aggregate(string.Empty, (a, b) => a + b));

        // Every family has one HELP and one TYPE line, each sample follows its family's header.
        var families = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        Assert.Equal(families.Count, families.Distinct().Count());
        Assert.Equal(families.Count, text.Split('\n').Count(l => l.StartsWith("# HELP ", StringComparison.Ordinal)));
    }
}
