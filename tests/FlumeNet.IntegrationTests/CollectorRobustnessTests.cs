using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary>A running collector facing bad peers on its avro port.</summary>
public sealed class CollectorRobustnessTests
{
    [Fact]
    public void GarbageAndHugeFrame_AreRejectedWithOneLineEach_AndTheCollectorStillServes()
    {
        using var dir = new TempDir();
        var port = Net.FreePort();
        using var collector = Collector.StartLogger(dir, port, maxBytesToLog: 64);

        var garbage = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + new string('x', 300));
        var garbagePeer = SendAndWaitForClose(collector, port, garbage);

        // Netty frame: serial, one buffer, then a 2 GiB (minus one) buffer length, and a few bytes of it.
        var huge = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(huge.AsSpan(0), 1);
        BinaryPrimitives.WriteInt32BigEndian(huge.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32BigEndian(huge.AsSpan(8), int.MaxValue);
        var hugePeer = SendAndWaitForClose(collector, port, huge);

        var lines = Enumerable.Range(0, 20).Select(i => $"after the bad peers {i}").ToList();
        var file = dir.Write("events.txt", string.Join('\n', lines) + "\n");
        using (var client = AvroClientTests.RunClient(null, "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-F", file))
        {
            Assert.Equal(0, client.ExitCode);
        }

        Assert.Equal(lines, Collector.WaitForBodies(collector, lines.Count, TimeSpan.FromSeconds(30)));
        Assert.False(collector.HasExited);

        var garbageLine = SingleLineNaming(collector, garbagePeer);
        var hugeLine = SingleLineNaming(collector, hugePeer);
        Assert.Contains("[WARN", garbageLine, StringComparison.Ordinal);
        Assert.Contains("[WARN", hugeLine, StringComparison.Ordinal);
        Assert.Contains("2147483647", hugeLine, StringComparison.Ordinal); // rejected for its length, not for the early close

        Assert.Empty(collector.StackFrameLines());
    }

    private static string SingleLineNaming(FlumeProcess collector, string peer)
    {
        var named = collector.Lines.Where(l => Names(l, peer) && !l.Contains("[DEBUG", StringComparison.Ordinal)).ToList();
        Assert.True(named.Count == 1, $"expected one line naming {peer}, got {named.Count}:\n{string.Join('\n', named)}\n--\n{collector.Tail()}");
        return named[0];
    }

    /// <summary>True when <paramref name="line"/> names exactly this endpoint (127.0.0.1:4000 does not name 127.0.0.1:40001).</summary>
    private static bool Names(string line, string peer)
    {
        var at = line.IndexOf(peer, StringComparison.Ordinal);
        while (at >= 0)
        {
            var end = at + peer.Length;
            if (end == line.Length || !char.IsAsciiDigit(line[end]))
            {
                return true;
            }

            at = line.IndexOf(peer, end, StringComparison.Ordinal);
        }

        return false;
    }

    /// <summary>Connects, writes <paramref name="payload"/>, waits for the collector to name us and close; returns our endpoint text.</summary>
    private static string SendAndWaitForClose(FlumeProcess collector, int port, byte[] payload)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        client.Connect(IPAddress.Loopback, port);
        var peer = client.Client.LocalEndPoint!.ToString()!;
        var stream = client.GetStream();
        stream.Write(payload);
        stream.Flush();
        Retry.Until(() => collector.Lines.Any(l => Names(l, peer)), TimeSpan.FromSeconds(20), () => $"no line naming {peer}:\n{collector.Tail()}");

        // The collector closes its side: reading reaches the end (or the connection is reset).
        stream.ReadTimeout = 20_000;
        var buffer = new byte[1024];
        try
        {
            while (stream.Read(buffer) > 0)
            {
            }
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
        }

        return peer;
    }
}
