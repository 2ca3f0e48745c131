using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FlumeNet.Avro;
using FlumeNet.Channels;
using FlumeNet.Configuration;
using FlumeNet.Runtime;
using FlumeNet.Sinks;
using FlumeNet.Sources;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlumeNet.Core.Tests.Avro;

/// <summary>
/// The avro sink and avro source as components, against real sockets on 127.0.0.1: the transaction commits
/// only after the peer said OK, and every kind of failure leaves the events in the channel.
/// </summary>
public sealed class AvroSinkTests
{
    private static readonly BuildServices Services = BuildServices.Create(NullLoggerFactory.Instance);

    [Fact]
    public async Task PeerDownAtStartTheSinkStartsAndFailsDeliveryKeepingTheEvents()
    {
        var port = FreePort();
        var channel = Channel(events: 5);
        var sink = Sink(channel, port);
        await sink.StartAsync(CancellationToken.None);
        Assert.Equal(LifecycleState.Start, sink.State);

        var ex = await Assert.ThrowsAsync<EventDeliveryException>(async () => await sink.ProcessAsync(CancellationToken.None));
        Assert.Contains($"127.0.0.1:{port}", ex.Message);
        Assert.Equal(5, channel.Size);
        await sink.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task PeerAnsweringFailedIsADeliveryFailure()
    {
        await using var server = await Server(new Handler(AvroStatus.Failed));
        var channel = Channel(events: 3);
        var sink = Sink(channel, server.LocalEndPoint!.Port);
        await sink.StartAsync(CancellationToken.None);

        var ex = await Assert.ThrowsAsync<EventDeliveryException>(async () => await sink.ProcessAsync(CancellationToken.None));
        Assert.Contains("FAILED", ex.Message);
        Assert.Equal(3, channel.Size);
        await sink.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task HangingPeerHonoursRequestTimeout()
    {
        var handler = new Handler(AvroStatus.Ok) { Hang = true };
        await using var server = await Server(handler);
        var channel = Channel(events: 2);
        var sink = Sink(channel, server.LocalEndPoint!.Port, ("request-timeout", "1000"));
        await sink.StartAsync(CancellationToken.None);

        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAsync<EventDeliveryException>(async () => await sink.ProcessAsync(CancellationToken.None));
        Assert.InRange(sw.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(10));
        Assert.Equal(2, channel.Size);
        handler.Release();
        await sink.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task PeerClosingMidBatchRollsBack()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var closer = Task.Run(async () =>
        {
            // Accept each connection, read part of the request, and drop it.
            for (int i = 0; i < 3; i++)
            {
                using var c = await listener.AcceptTcpClientAsync();
                var buf = new byte[16];
                _ = await c.GetStream().ReadAsync(buf);
                c.Client.LingerState = new LingerOption(true, 0);
            }
        });
        var channel = Channel(events: 10);
        var sink = Sink(channel, port);
        await sink.StartAsync(CancellationToken.None);

        await Assert.ThrowsAsync<EventDeliveryException>(async () => await sink.ProcessAsync(CancellationToken.None));
        Assert.Equal(10, channel.Size);
        listener.Stop();
        await sink.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task SinkToSourceDeliversInOrderAndCommitsOnlyAfterOk()
    {
        var collectorChannel = new MemoryChannel("c2", new MemoryChannelOptions(Capacity: 10000, TransactionCapacity: 1000), NullLogger.Instance);
        var source = new AvroSource("r1", Processor(collectorChannel), Context("a1.sources.r1.", ("bind", "127.0.0.1"), ("port", "0")), Services);
        await source.StartAsync(CancellationToken.None);
        try
        {
            var channel = Channel(events: 0);
            for (int i = 0; i < 250; i++)
            {
                Put(channel, $"e{i}");
            }

            var sink = Sink(channel, source.LocalEndPoint!.Port, ("batch-size", "100"));
            await sink.StartAsync(CancellationToken.None);
            Assert.Equal(SinkStatus.Ready, await sink.ProcessAsync(CancellationToken.None));
            Assert.Equal(150, channel.Size);
            Assert.Equal(100, collectorChannel.Size);
            Assert.Equal(SinkStatus.Ready, await sink.ProcessAsync(CancellationToken.None));
            Assert.Equal(SinkStatus.Ready, await sink.ProcessAsync(CancellationToken.None));
            Assert.Equal(SinkStatus.Backoff, await sink.ProcessAsync(CancellationToken.None));
            await sink.StopAsync(CancellationToken.None);

            using var tx = collectorChannel.BeginTransaction();
            var bodies = new List<string>();
            while (tx.Take() is { } e)
            {
                bodies.Add(Encoding.UTF8.GetString(e.BodyArray));
            }

            tx.Commit();
            Assert.Equal(Enumerable.Range(0, 250).Select(i => $"e{i}"), bodies);
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task SourceAnswersFailedWhenItsChannelIsFullAndTheSinkKeepsTheEvents()
    {
        var full = new MemoryChannel("c2", new MemoryChannelOptions(Capacity: 5, TransactionCapacity: 5, KeepAlive: TimeSpan.Zero), NullLogger.Instance);
        var source = new AvroSource("r1", Processor(full), Context("a1.sources.r1.", ("bind", "127.0.0.1"), ("port", "0")), Services);
        await source.StartAsync(CancellationToken.None);
        try
        {
            var channel = Channel(events: 8);
            var sink = Sink(channel, source.LocalEndPoint!.Port, ("batch-size", "8"));
            await sink.StartAsync(CancellationToken.None);
            var ex = await Assert.ThrowsAsync<EventDeliveryException>(async () => await sink.ProcessAsync(CancellationToken.None));
            Assert.Contains("FAILED", ex.Message);
            Assert.Equal(8, channel.Size);
            Assert.Equal(0, full.Size);
            await sink.StopAsync(CancellationToken.None);
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ProbeTellsWhetherThePeerIsReachable()
    {
        var port = FreePort();
        var sink = Sink(Channel(events: 0), port);
        Assert.False(await sink.ProbeAsync(CancellationToken.None));
        await using var server = await Server(new Handler(AvroStatus.Ok), port);
        Assert.True(await sink.ProbeAsync(CancellationToken.None));
    }

    [Fact]
    public void ConfigurationKeysFollowFlume()
    {
        var ctx = Context("a1.sinks.k1.", ("hostname", "h"), ("port", "4444x"), ("batch-size", "0"), ("connect-timeout", "10"));
        _ = new AvroSink("k1", Channel(0), ctx, Services);
        Assert.Contains(ctx.Problems, p => p.Severity == ProblemSeverity.Error && p.Key == "a1.sinks.k1.port");
        Assert.Contains(ctx.Problems, p => p.Severity == ProblemSeverity.Warning && p.Key == "a1.sinks.k1.batch-size" && p.Message.Contains("Invalid value for batchSize: 0"));
        Assert.Contains(ctx.Problems, p => p.Key == "a1.sinks.k1.connect-timeout" && p.Message.Contains("less than 1s"));
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static MemoryChannel Channel(int events)
    {
        var ch = new MemoryChannel("c1", new MemoryChannelOptions(Capacity: 1000, TransactionCapacity: 1000), NullLogger.Instance);
        for (int i = 0; i < events; i++)
        {
            Put(ch, $"e{i}");
        }

        return ch;
    }

    private static void Put(MemoryChannel ch, string body)
    {
        using var tx = ch.BeginTransaction();
        tx.Put(new Event(Encoding.UTF8.GetBytes(body)));
        tx.Commit();
    }

    private static ComponentContext Context(string prefix, params (string Key, string Value)[] props) =>
        new(prefix.Split('.')[2], prefix, props.ToDictionary(p => p.Key, p => p.Value));

    private static AvroSink Sink(IChannel channel, int port, params (string Key, string Value)[] extra)
    {
        var ctx = Context("a1.sinks.k1.", [("hostname", "127.0.0.1"), ("port", port.ToString()), ("connect-timeout", "2000"), .. extra]);
        var sink = new AvroSink("k1", channel, ctx, Services);
        Assert.False(ctx.HasErrors, string.Join("; ", ctx.Problems));
        return sink;
    }

    private static ChannelProcessor Processor(IChannel channel) =>
        new(new FlumeNet.Selectors.ReplicatingChannelSelector([channel], Context("a1.sources.r1.selector.")), [], NullLogger.Instance);

    private static async Task<AvroRpcServer> Server(IAvroSourceHandler handler, int port = 0)
    {
        var server = new AvroRpcServer(new AvroRpcServerOptions { BindAddress = IPAddress.Loopback, Port = port }, handler, NullLogger.Instance);
        await server.StartAsync();
        return server;
    }

    private sealed class Handler(AvroStatus status) : IAvroSourceHandler
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Hang { get; init; }

        public void Release() => _release.TrySetResult();

        public ValueTask<AvroStatus> AppendAsync(IFlumeEvent e, CancellationToken ct) => AppendBatchAsync([e], ct);

        public async ValueTask<AvroStatus> AppendBatchAsync(IReadOnlyList<IFlumeEvent> events, CancellationToken ct)
        {
            if (Hang)
            {
                await _release.Task.WaitAsync(ct);
            }

            return status;
        }
    }
}
