using BenchmarkDotNet.Attributes;
using FlumeNet.Sinks;

namespace FlumeNet.Benchmarks;

/// <summary>The logger sink's <c>Event: { headers:{…} body: XX … }</c> text (Flume's EventHelper.dumpEvent).</summary>
[MemoryDiagnoser]
public class LoggerSinkFormatBenchmarks
{
    private Event _event = null!;

    [Params(16, 256)]
    public int MaxBytesToLog { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var headers = new Dictionary<string, string>
        {
            ["timestamp"] = "1700000000000",
            ["host"] = "10.0.0.5",
            ["type"] = "access",
        };
        var body = System.Text.Encoding.ASCII.GetBytes(new string('x', 90) + "0123456789");
        _event = new Event(headers, body);
    }

    [Benchmark]
    public string Format() => LoggerSink.Format(_event, MaxBytesToLog);
}
