using System.Net.Sockets;
using System.Text;
using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Sources;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Sources;

public sealed class NetcatSourceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static NetcatSource Create(IChannel ch, params (string Key, string Value)[] extra)
    {
        var ctx = Ctx.Named("r1", "a1.sources.r1.", [("type", "netcat"), ("bind", "127.0.0.1"), ("port", "0"), .. extra]);
        var source = new NetcatSource("r1", Replicating(ch), ctx, new LogCapture());
        Assert.False(ctx.HasErrors, string.Join("; ", ctx.Problems));
        return source;
    }

    private static async Task<(TcpClient Client, NetworkStream Stream, StreamReader Reader)> Connect(NetcatSource source)
    {
        var ep = source.LocalEndPoint!;
        Assert.NotEqual(0, ep.Port);
        var client = new TcpClient();
        await client.ConnectAsync(ep.Address, ep.Port).WaitAsync(Timeout);
        var stream = client.GetStream();
        return (client, stream, new StreamReader(stream, Encoding.UTF8));
    }

    private static Task Send(NetworkStream s, string text) => s.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask().WaitAsync(Timeout);

    private static Task<string?> ReadLine(StreamReader r) => r.ReadLineAsync().WaitAsync(Timeout);

    [Fact]
    public async Task Lines_become_events_acknowledged_with_OK()
    {
        var ch = Memory();
        var source = Create(ch);
        await source.StartAsync(CancellationToken.None);
        try
        {
            var (client, stream, reader) = await Connect(source);
            using (client)
            {
                await Send(stream, "hello\nworld\r\ncafé €\n");
                Assert.Equal("OK", await ReadLine(reader));
                Assert.Equal("OK", await ReadLine(reader));
                Assert.Equal("OK", await ReadLine(reader));
            }

            var taken = new List<byte[]>();
            using (var tx = ch.BeginTransaction())
            {
                while (tx.Take() is { } e)
                {
                    taken.Add(e.BodyArray);
                }

                tx.Commit();
            }

            Assert.Equal(3, taken.Count);
            Assert.Equal("hello"u8.ToArray(), taken[0]);
            Assert.Equal("world\r"u8.ToArray(), taken[1]); // the \r before \n is kept
            Assert.Equal("café €"u8.ToArray(), taken[2]);
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Line_too_long_is_FAILED_and_closes_the_connection()
    {
        var ch = Memory();
        var source = Create(ch, ("max-line-length", "10"));
        await source.StartAsync(CancellationToken.None);
        try
        {
            var (client, stream, reader) = await Connect(source);
            using (client)
            {
                await Send(stream, "123456789\n"); // 9 chars + newline = 10: fits
                Assert.Equal("OK", await ReadLine(reader));
                await Send(stream, "0123456789abc\n");
                Assert.Equal("FAILED: Event exceeds the maximum length (10 chars, including newline)", await ReadLine(reader));
                Assert.Null(await ReadLine(reader)); // closed by the server
            }

            Assert.Equal(["123456789"], Drain(ch));
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Channel_full_answers_FAILED_with_the_message_and_the_connection_continues()
    {
        var ch = Memory(capacity: 1, txCapacity: 1, keepAliveSeconds: 0);
        var source = Create(ch);
        await source.StartAsync(CancellationToken.None);
        try
        {
            var (client, stream, reader) = await Connect(source);
            using (client)
            {
                await Send(stream, "a\nb\n");
                Assert.Equal("OK", await ReadLine(reader));
                var failed = await ReadLine(reader);
                Assert.StartsWith("FAILED: Space for commit to queue couldn't be acquired.", failed);

                Assert.Equal(["a"], Drain(ch));
                await Send(stream, "c\n");
                Assert.Equal("OK", await ReadLine(reader));
            }

            Assert.Equal(["c"], Drain(ch));
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Without_acks_nothing_is_answered_on_success()
    {
        var ch = Memory();
        var source = Create(ch, ("ack-every-event", "false"));
        await source.StartAsync(CancellationToken.None);
        try
        {
            var (client, stream, _) = await Connect(source);
            using (client)
            {
                await Send(stream, "a\nb\n");
                await Wait.Eventually(() => ch.Size == 2, Timeout, "two events");
                client.Client.Shutdown(SocketShutdown.Send);
                var buf = new byte[16];
                Assert.Equal(0, await stream.ReadAsync(buf).AsTask().WaitAsync(Timeout)); // EOF, no "OK"
            }
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Replies_are_exact_bytes_without_a_byte_order_mark()
    {
        var source = Create(Memory());
        await source.StartAsync(CancellationToken.None);
        try
        {
            var (client, stream, _) = await Connect(source);
            using (client)
            {
                await Send(stream, "a\n");
                client.Client.Shutdown(SocketShutdown.Send);
                var received = new List<byte>();
                var buf = new byte[64];
                int n;
                while ((n = await stream.ReadAsync(buf).AsTask().WaitAsync(Timeout)) > 0)
                {
                    received.AddRange(buf.AsSpan(0, n).ToArray());
                }

                Assert.Equal("OK\n"u8.ToArray(), received.ToArray());
            }
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Stop_closes_the_listener()
    {
        var source = Create(Memory());
        await source.StartAsync(CancellationToken.None);
        var ep = source.LocalEndPoint!;
        await source.StopAsync(CancellationToken.None).WaitAsync(Timeout);
        using var client = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(ep.Address, ep.Port).WaitAsync(Timeout));
    }
}
