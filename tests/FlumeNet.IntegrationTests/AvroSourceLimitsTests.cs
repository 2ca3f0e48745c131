using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using FlumeNet.Avro;
using FlumeNet.IntegrationTests.Harness;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlumeNet.IntegrationTests;

/// <summary>A collector's avro source under clients that hold, trickle or flood: limits, deadline, budget.</summary>
public sealed class AvroSourceLimitsTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static FlumeProcess StartCollector(TempDir dir, int port, string sink, string extra)
    {
        // Later keys win: the standard collector with another sink type and the source settings under test.
        var conf = dir.Write("collector.properties", Collector.LoggerConf(port) + $"\na1.sinks.k1.type = {sink}\n{extra}\n");
        var p = FlumeProcess.StartAgent(conf, "a1");
        p.WaitForLine("Avro source r1 started.", Collector.StartTimeout);
        return p;
    }

    private static AvroRpcClientOptions Client(int port) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    private sealed class TextEvent(string text) : IFlumeEvent
    {
        public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>();

        public ReadOnlyMemory<byte> Body { get; } = System.Text.Encoding.UTF8.GetBytes(text);
    }

    /// <summary>A frame header announcing one buffer of <paramref name="length"/> bytes, then that length.</summary>
    private static byte[] FrameStart(int length)
    {
        var b = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(0), 1);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), length);
        return b;
    }

    [Fact]
    public async Task At_the_connection_limit_silent_holders_give_way_to_a_client_that_delivers()
    {
        using var dir = new TempDir();
        var port = Net.FreePort();
        using var collector = StartCollector(dir, port, "logger", "a1.sources.r1.maxConnections = 4");

        // Four clients complete the handshake with one event each and then hold their sockets without a word.
        var holders = new List<AvroRpcClient>();
        for (int i = 0; i < 4; i++)
        {
            var h = await AvroRpcClient.ConnectAsync(Client(port), NullLogger.Instance, default);
            Assert.Equal(AvroStatus.Ok, await h.AppendAsync(new TextEvent($"holder {i}"), default));
            holders.Add(h);
        }

        await using (var good = await AvroRpcClient.ConnectAsync(Client(port), NullLogger.Instance, default))
        {
            for (int b = 0; b < 10; b++)
            {
                var batch = Enumerable.Range(0, 10).Select(i => (IFlumeEvent)new TextEvent($"good {(b * 10) + i}")).ToList();
                Assert.Equal(AvroStatus.Ok, await good.AppendBatchAsync(batch, default));
            }
        }

        var bodies = Collector.WaitForBodies(collector, 104, Long);
        Assert.Equal(100, bodies.Count(b => b.StartsWith("good ", StringComparison.Ordinal)));
        var evictions = collector.Lines.Where(l => l.Contains("maxConnections (4)", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(evictions);
        Assert.Contains("[WARN", line, StringComparison.Ordinal);
        Assert.Contains("idle for", line, StringComparison.Ordinal);
        foreach (var h in holders)
        {
            await h.DisposeAsync();
        }

        Assert.Empty(collector.StackFrameLines());
    }

    [Fact]
    public void A_client_trickling_a_frame_is_closed_at_the_frame_deadline_with_one_line()
    {
        using var dir = new TempDir();
        var port = Net.FreePort();
        using var collector = StartCollector(dir, port, "logger", "a1.sources.r1.frameReadTimeout = 1000");
        using var trickler = new TcpClient();
        trickler.Connect(IPAddress.Loopback, port);
        var peer = $"/127.0.0.1:{((IPEndPoint)trickler.Client.LocalEndPoint!).Port}";
        var s = trickler.GetStream();
        s.Write(FrameStart(4096));
        var closed = false;
        Retry.Until(
            () =>
            {
                try
                {
                    s.Write([0]); // one byte at a time: progress, never a whole frame
                    Thread.Sleep(100);
                    return closed = collector.Lines.Any(l => l.Contains(peer, StringComparison.Ordinal) && l.Contains("frameReadTimeout", StringComparison.Ordinal));
                }
                catch (IOException)
                {
                    return closed = true;
                }
            },
            Long,
            () => $"the trickling client was not closed:\n{collector.Tail()}");
        Assert.True(closed);
        collector.WaitForLine("frameReadTimeout", Long);
        var line = Assert.Single(collector.Lines, l => l.Contains(peer, StringComparison.Ordinal) && l.Contains("[WARN", StringComparison.Ordinal));
        Assert.Contains("not complete within 1000 ms", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Twenty_unfinished_64MiB_frames_keep_the_collector_within_its_receive_budget()
    {
        const long Budget = 128L * 1024 * 1024; // the default
        const int FrameBytes = 64 * 1024 * 1024;
        using var dir = new TempDir();
        var port = Net.FreePort();
        using var collector = StartCollector(dir, port, "null", string.Empty);

        long sent = 0;
        var clients = new List<TcpClient>();
        var threads = new List<Thread>();
        for (int i = 0; i < 20; i++)
        {
            var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            clients.Add(c);
            var t = new Thread(() =>
            {
                var chunk = new byte[1024 * 1024];
                try
                {
                    var s = c.GetStream();
                    s.Write(FrameStart(FrameBytes));
                    for (int m = 0; m < 63; m++) // all but the last MiB: the frame never completes
                    {
                        s.Write(chunk);
                        Interlocked.Add(ref sent, chunk.Length);
                    }
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
                {
                    // closed by the test at the end
                }
            })
            { IsBackground = true };
            threads.Add(t);
            t.Start();
        }

        // Sample the collector's resident memory until the senders have been stalled for 2 s (the source stopped reading).
        long peak = 0;
        long lastSent = -1;
        var stalledSince = DateTime.UtcNow;
        Retry.Until(
            () =>
            {
                peak = Math.Max(peak, ResidentBytes(collector.Pid));
                var now = Interlocked.Read(ref sent);
                if (now != lastSent)
                {
                    lastSent = now;
                    stalledSince = DateTime.UtcNow;
                }

                return DateTime.UtcNow - stalledSince > TimeSpan.FromSeconds(2);
            },
            TimeSpan.FromSeconds(60),
            () => $"the senders never stalled ({Interlocked.Read(ref sent)} bytes sent)");

        var total = Interlocked.Read(ref sent);
        foreach (var c in clients)
        {
            c.Dispose();
        }

        Assert.True(total < 20L * 63 * 1024 * 1024, $"the collector read everything ({total} bytes)");
        Assert.True(peak <= Budget + (100L * 1024 * 1024), $"collector RSS peaked at {peak / (1024 * 1024)} MiB with a {Budget / (1024 * 1024)} MiB budget ({total / (1024 * 1024)} MiB sent)");
        Assert.False(collector.HasExited);
        Assert.Empty(collector.StackFrameLines());
    }

    private static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
