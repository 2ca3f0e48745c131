using System.Net;
using BenchmarkDotNet.Attributes;
using FlumeNet.Avro;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlumeNet.Benchmarks;

/// <summary>
/// <c>appendBatch</c> of 1,000 events through the public client and server over loopback: encode, frame,
/// TCP, decode, acknowledge. (The codec itself is internal to FlumeNet.Avro, so it is measured through the
/// public API; the figure is per event.)
/// </summary>
[MemoryDiagnoser]
public class AvroRpcBenchmarks
{
    private const int Batch = 1000;
    private AvroRpcServer _server = null!;
    private AvroRpcClient _client = null!;
    private IFlumeEvent[] _events = null!;

    [Params(100)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = new AvroRpcServer(new AvroRpcServerOptions { BindAddress = IPAddress.Loopback, Port = 0 }, new AcceptAll(), NullLogger.Instance);
        _server.StartAsync().GetAwaiter().GetResult();
        var port = _server.LocalEndPoint!.Port;
        _client = AvroRpcClient.ConnectAsync(new AvroRpcClientOptions { Host = "127.0.0.1", Port = port }, NullLogger.Instance, CancellationToken.None).GetAwaiter().GetResult();
        var headers = new Dictionary<string, string> { ["host"] = "bench" };
        _events = Enumerable.Range(0, Batch).Select(_ => (IFlumeEvent)new Event(headers, new byte[BodyBytes])).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "appendBatch 1000 round trip (per event)")]
    public Task<AvroStatus> AppendBatch() => _client.AppendBatchAsync(_events, CancellationToken.None);

    private sealed class AcceptAll : IAvroSourceHandler
    {
        public ValueTask<AvroStatus> AppendAsync(IFlumeEvent e, CancellationToken ct) => ValueTask.FromResult(AvroStatus.Ok);

        public ValueTask<AvroStatus> AppendBatchAsync(IReadOnlyList<IFlumeEvent> events, CancellationToken ct) => ValueTask.FromResult(AvroStatus.Ok);
    }
}
