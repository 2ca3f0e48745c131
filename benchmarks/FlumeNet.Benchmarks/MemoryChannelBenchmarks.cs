using BenchmarkDotNet.Attributes;
using FlumeNet.Channels;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlumeNet.Benchmarks;

/// <summary>
/// One transaction putting a batch of 1,000 events, then one taking 1,000 back (what a source and a sink do per batch),
/// with <see cref="Queued"/> events already waiting: 0 (a sink keeping up: events are held as they are) or 50,000 (a
/// full channel: bodies go into the ring's chunks and a take copies them out).
/// </summary>
[MemoryDiagnoser]
public class MemoryChannelBenchmarks
{
    private const int Batch = 1000;
    private MemoryChannel _channel = null!;
    private Event[] _events = null!;
    private readonly List<Event> _taken = new(Batch);

    [Params(100)]
    public int BodyBytes { get; set; }

    [Params(0, 50_000)]
    public int Queued { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _channel = new MemoryChannel("c1", new MemoryChannelOptions(Capacity: 100_000, TransactionCapacity: Batch), NullLogger.Instance);
        _channel.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _events = Enumerable.Range(0, Batch).Select(_ => new Event(new byte[BodyBytes])).ToArray();
        for (var i = 0; i < Queued; i += Batch)
        {
            using var put = _channel.BeginTransaction();
            foreach (var e in _events)
            {
                put.Put(e);
            }

            put.Commit();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _channel.StopAsync(CancellationToken.None).GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Batch, Description = "put 1000 + take 1000 (per event)")]
    public int PutThenTakeBatch()
    {
        using (var put = _channel.BeginTransaction())
        {
            foreach (var e in _events)
            {
                put.Put(e);
            }

            put.Commit();
        }

        var n = 0;
        using (var take = _channel.BeginTransaction())
        {
            while (n < Batch && take.Take() is not null)
            {
                n++;
            }

            take.Commit();
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "put 1000 + TakeBatch 1000 (per event)")]
    public int PutThenTakeBatchAtOnce()
    {
        using (var put = _channel.BeginTransaction())
        {
            foreach (var e in _events)
            {
                put.Put(e);
            }

            put.Commit();
        }

        int n;
        using (var take = _channel.BeginTransaction())
        {
            _taken.Clear();
            n = take.TakeBatch(_taken, Batch);
            take.Commit();
        }

        return n;
    }
}
