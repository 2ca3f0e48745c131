using System.Buffers.Binary;
using System.Net.Sockets;
using FlumeNet.Avro;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Avro.Tests;

/// <summary>The server's resource limits: connection limit with eviction, frame deadline, receive budget.</summary>
public sealed class ResourceLimitTests
{
    private static List<IFlumeEvent> Events(int n) => Enumerable.Range(0, n).Select(i => (IFlumeEvent)TestEvent.Of($"body-{i}")).ToList();

    /// <summary>A frame header announcing one buffer of <paramref name="length"/> bytes, then the buffer's length.</summary>
    private static byte[] FrameStart(int length)
    {
        var b = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(0), 1);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), length);
        return b;
    }

    [Fact]
    public async Task At_the_limit_a_new_client_evicts_the_connection_idle_the_longest()
    {
        var handler = new RecordingHandler();
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(handler, log, o => o with { MaxConnections = 3 });
        int port = server.LocalEndPoint!.Port;

        // Three clients complete the handshake with one call each, then stay silent (as a sink between batches does).
        var holders = new List<AvroRpcClient>();
        for (int i = 0; i < 3; i++)
        {
            var c = await AvroRpcClient.ConnectAsync(Net.ClientOptions(port), new TestLogger(), default);
            Assert.Equal(AvroStatus.Ok, await c.AppendAsync(TestEvent.Of($"holder-{i}"), default));
            holders.Add(c);
            await Task.Delay(20); // distinct idle times: holder 0 is the idlest
        }

        Assert.Equal(3, server.ConnectionCount);
        await using var good = await AvroRpcClient.ConnectAsync(Net.ClientOptions(port), new TestLogger(), default);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(AvroStatus.Ok, await good.AppendBatchAsync(Events(5), default));
        }

        Assert.Equal(103, handler.EventCount);
        var evicted = Assert.Single(log.Lines, l => l.Message.Contains("maxConnections (3)", StringComparison.Ordinal));
        Assert.Contains("idle for", evicted.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.ConnectionCount);

        // The idlest holder was the one closed; the others still deliver.
        Assert.NotEqual(AvroStatus.Ok, await TryAppend(holders[0]));
        Assert.Equal(AvroStatus.Ok, await holders[1].AppendAsync(TestEvent.Of("again"), default));
        Assert.Equal(AvroStatus.Ok, await holders[2].AppendAsync(TestEvent.Of("again"), default));
        foreach (var h in holders)
        {
            await h.DisposeAsync();
        }
    }

    private static async Task<AvroStatus?> TryAppend(AvroRpcClient client)
    {
        try
        {
            return await client.AppendAsync(TestEvent.Of("after eviction"), default);
        }
        catch (AvroRpcException)
        {
            return null;
        }
    }

    [Fact]
    public async Task A_silent_connection_after_its_handshake_is_never_closed_for_idleness()
    {
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(new RecordingHandler(), log, o => o with { HandshakeTimeout = TimeSpan.FromMilliseconds(200), FrameReadTimeout = TimeSpan.FromMilliseconds(200) });
        await using var client = await AvroRpcClient.ConnectAsync(Net.ClientOptions(server.LocalEndPoint!.Port), new TestLogger(), default);
        Assert.Equal(AvroStatus.Ok, await client.AppendAsync(TestEvent.Of("first"), default));
        await Task.Delay(1000); // five times both timeouts
        Assert.Equal(AvroStatus.Ok, await client.AppendAsync(TestEvent.Of("second"), default));
        Assert.DoesNotContain(log.Lines, l => l.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task A_trickling_frame_is_closed_at_its_deadline_naming_the_peer()
    {
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(new RecordingHandler(), log, o => o with { FrameReadTimeout = TimeSpan.FromMilliseconds(500) });
        using TcpClient trickler = await Net.RawConnect(server.LocalEndPoint!.Port);
        NetworkStream s = trickler.GetStream();
        await s.WriteAsync(FrameStart(1000));
        var closed = Task.Run(() => Net.ClosedByPeer(s, 10_000));
        for (int i = 0; i < 40 && !closed.IsCompleted; i++)
        {
            try
            {
                await s.WriteAsync(new byte[] { 0 }); // one byte every 100 ms: progress, but never a whole frame in time
            }
            catch (IOException)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(await closed);
        var port = ((System.Net.IPEndPoint)trickler.Client.LocalEndPoint!).Port;
        await Retry.Until(() => log.Has(LogLevel.Warning, $":{port}: request frame not complete within 500 ms"), "frame deadline line");
        await Retry.Until(() => server.AvailableReceiveBytes == new AvroRpcServerOptions().MaxReceiveBufferBytes, "budget given back");
    }

    [Fact]
    public async Task Frames_being_received_never_hold_more_than_the_budget()
    {
        const int Budget = 1024 * 1024;
        var handler = new RecordingHandler();
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(handler, log, o => o with { MaxReceiveBufferBytes = Budget, FrameReadTimeout = TimeSpan.FromSeconds(3) });
        int port = server.LocalEndPoint!.Port;

        // Four clients each announce a 900 KiB buffer and send all but its last byte: together they want 3.5 MiB.
        var senders = new List<TcpClient>();
        for (int i = 0; i < 4; i++)
        {
            var c = await Net.RawConnect(port);
            senders.Add(c);
            var data = new byte[12 + (900 * 1024) - 1];
            FrameStart(900 * 1024).CopyTo(data, 0);
            _ = c.GetStream().WriteAsync(data).AsTask(); // may stay pending: the server stops reading
        }

        await Retry.Until(() => server.AvailableReceiveBytes == 0, "budget spent");
        Assert.Equal(4, server.ConnectionCount); // waiting for the budget, not closed

        // None of them can finish; their deadline closes them and gives the budget back.
        await Retry.Until(() => server.AvailableReceiveBytes == Budget && server.ConnectionCount == 0, "budget given back at the frame deadline", 20_000);
        Assert.Equal(4, log.Lines.Count(l => l.Message.Contains("request frame not complete within 3000 ms", StringComparison.Ordinal)));
        foreach (var c in senders)
        {
            c.Dispose();
        }

        await using var good = await AvroRpcClient.ConnectAsync(Net.ClientOptions(port), new TestLogger(), default);
        Assert.Equal(AvroStatus.Ok, await good.AppendBatchAsync(Events(3), default));
    }

    [Fact]
    public async Task A_frame_larger_than_one_chunk_arrives_intact()
    {
        var handler = new RecordingHandler();
        await using AvroRpcServer server = await Net.StartServer(handler, new TestLogger(), o => o with { MaxReceiveBufferBytes = 256 * 1024 });
        await using var client = await AvroRpcClient.ConnectAsync(Net.ClientOptions(server.LocalEndPoint!.Port), new TestLogger(), default);
        var body = string.Concat(Enumerable.Range(0, 20_000).Select(i => (char)('a' + (i % 26))));
        var batch = Enumerable.Range(0, 8).Select(i => (IFlumeEvent)TestEvent.Of(body + i)).ToList(); // ~160 KiB: three chunks
        Assert.Equal(AvroStatus.Ok, await client.AppendBatchAsync(batch, default));
        var got = Assert.Single(handler.Calls);
        Assert.Equal(batch.Select(e => e.Body.ToArray()), got.Select(e => e.Body.ToArray()));

        var tooBig = Enumerable.Range(0, 16).Select(i => (IFlumeEvent)TestEvent.Of(body + i)).ToList(); // ~320 KiB > budget
        await Assert.ThrowsAnyAsync<Exception>(() => client.AppendBatchAsync(tooBig, default));
        Assert.Equal(256 * 1024, server.AvailableReceiveBytes);
    }
}
