using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using FlumeNet.Avro;

namespace FlumeNet.Avro.Tests;

/// <summary>Byte-for-byte comparison with the Java captures in captures/ (copied from shared/wire).</summary>
public sealed class GoldenTests
{
    private static List<IFlumeEvent> HelloWorld() => [TestEvent.Of("hello", ("a", "1")), TestEvent.Of("world", ("a", "1"))];

    private static List<IFlumeEvent> BigBatch() => Enumerable.Range(0, 100)
        .Select(i => (IFlumeEvent)TestEvent.Of($"event-{i:000} ".PadRight(100, 'x'), ("host", "node1")))
        .ToList();

    // ---------- server side: feed the Java client's bytes, compare our answers ----------

    private static async Task<List<(byte[] Expected, byte[] Actual)>> ReplayClientAgainstServer(string capture, RecordingHandler handler, TestLogger log, Func<AvroRpcServerOptions, AvroRpcServerOptions>? configure = null)
    {
        await using AvroRpcServer server = await Net.StartServer(handler, log, configure);
        using TcpClient raw = await Net.RawConnect(server.LocalEndPoint!.Port);
        NetworkStream s = raw.GetStream();
        var results = new List<(byte[], byte[])>();
        foreach (var (c2s, bytes) in Capture.Load(capture).Runs)
        {
            if (c2s)
            {
                await s.WriteAsync(bytes);
            }
            else
            {
                results.Add((bytes, await Net.ReadExactly(s, bytes.Length)));
            }
        }

        return results;
    }

    [Theory]
    [InlineData("plain-batch.txt", AvroStatus.Ok)]
    [InlineData("status-failed.txt", AvroStatus.Failed)]
    [InlineData("big-batch.txt", AvroStatus.Ok)]
    [InlineData("handshake-none.txt", AvroStatus.Ok)]
    public async Task ServerAnswersJavaClientByteForByte(string capture, AvroStatus answer)
    {
        var handler = new RecordingHandler { Answer = _ => answer };
        var log = new TestLogger();
        foreach (var (expected, actual) in await ReplayClientAgainstServer(capture, handler, log))
        {
            Assert.Equal(Hex.Of(expected), Hex.Of(actual));
        }

        if (capture == "big-batch.txt")
        {
            IReadOnlyList<IFlumeEvent> batch = Assert.Single(handler.Calls);
            Assert.Equal(100, batch.Count);
            Assert.Equal("node1", batch[99].Headers["host"]);
            Assert.StartsWith("event-099 xxx", Encoding.ASCII.GetString(batch[99].Body.Span));
        }
        else
        {
            // appendBatch(hello, world) ×2, then append(x)
            IReadOnlyList<IFlumeEvent>[] calls = handler.Calls.ToArray();
            Assert.Equal(3, calls.Length);
            Assert.Equal("world", Encoding.ASCII.GetString(calls[1][1].Body.Span));
            Assert.Empty(calls[2][0].Headers);
            Assert.Equal("x", Encoding.ASCII.GetString(calls[2][0].Body.Span));
        }
    }

    [Fact]
    public async Task ServerErrorResponseHasJavasLayout()
    {
        var handler = new RecordingHandler { Answer = _ => throw new InvalidOperationException("channel c1 is full") };
        var log = new TestLogger();
        var (expected, actual) = Assert.Single(await ReplayClientAgainstServerPrefix(handler, log));
        // serial 1, 3 buffers, BOTH, meta 00, then error flag 01 + union branch 00 + string
        Assert.Equal(Hex.Of(expected.AsSpan(0, 21)), Hex.Of(actual.AsSpan(0, 21)));
        Assert.Equal(actual.Length - 25, BinaryPrimitives.ReadInt32BigEndian(actual.AsSpan(21)));
        Assert.Equal(0x01, actual[25]);
        Assert.Equal(0x00, actual[26]);
        string text = ReadString(actual.AsSpan(27));
        Assert.Equal("System.InvalidOperationException: channel c1 is full", text);
        Assert.Single(log.Lines, l => l.Message.Contains("Handler failed", StringComparison.Ordinal));
    }

    private static string ReadString(ReadOnlySpan<byte> span)
    {
        var r = new AvroReader(span);
        return r.ReadString();
    }

    /// <summary>server-error.txt: first request only; reads our (differently long) error answer.</summary>
    private static async Task<List<(byte[] Expected, byte[] Actual)>> ReplayClientAgainstServerPrefix(RecordingHandler handler, TestLogger log)
    {
        await using AvroRpcServer server = await Net.StartServer(handler, log);
        using TcpClient raw = await Net.RawConnect(server.LocalEndPoint!.Port);
        NetworkStream s = raw.GetStream();
        var runs = Capture.Load("server-error.txt").Runs;
        await s.WriteAsync(runs[0].Bytes);
        byte[] head = await Net.ReadExactly(s, 25);
        int len = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(21));
        byte[] rest = await Net.ReadExactly(s, len);
        return [(runs[1].Bytes, [.. head, .. rest])];
    }

    // ---------- client side: our client against a fake server replaying the Java server ----------

    private static FakeServer Replay(Capture capture, List<(byte[] Expected, byte[] Actual)> seen) => new(async (s, ct) =>
    {
        foreach (var (c2s, bytes) in capture.Runs)
        {
            if (c2s)
            {
                var buf = new byte[bytes.Length];
                await s.ReadExactlyAsync(buf, ct);
                lock (seen)
                {
                    seen.Add((bytes, buf));
                }
            }
            else
            {
                await s.WriteAsync(bytes, ct);
            }
        }
    });

    [Theory]
    [InlineData("plain-batch.txt", AvroStatus.Ok)]
    [InlineData("status-failed.txt", AvroStatus.Failed)]
    public async Task ClientSendsJavasBytes(string name, AvroStatus expected)
    {
        Capture capture = Capture.Load(name);
        var seen = new List<(byte[], byte[])>();
        await using (FakeServer fake = Replay(capture, seen))
        {
            await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(Net.ClientOptions(fake.Port), new TestLogger(), default);
            Assert.Equal(expected, await client.AppendBatchAsync(HelloWorld(), default));
            Assert.Equal(expected, await client.AppendBatchAsync(HelloWorld(), default));
            Assert.Equal(expected, await client.AppendAsync(TestEvent.Of("x"), default));
            await fake.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(3, seen.Count);
        foreach (var (exp, act) in seen)
        {
            Assert.Equal(Hex.Of(exp), Hex.Of(act));
        }
    }

    [Fact]
    public async Task ClientSplitsABigBatchLikeJava()
    {
        Capture capture = Capture.Load("big-batch.txt");
        var seen = new List<(byte[], byte[])>();
        await using (FakeServer fake = Replay(capture, seen))
        {
            await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(Net.ClientOptions(fake.Port), new TestLogger(), default);
            Assert.Equal(AvroStatus.Ok, await client.AppendBatchAsync(BigBatch(), default));
            await fake.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        }

        var (exp, act) = Assert.Single(seen);
        Assert.Equal(Hex.Of(exp), Hex.Of(act));
    }

    [Fact]
    public async Task ClientHandlesNoneByResendingItsProtocol()
    {
        Capture capture = Capture.Load("handshake-none.txt");
        // The Java client in this capture spoke the protocol without "doc" (509 bytes); use the same text.
        byte[] second = capture.Runs.Where(r => r.ClientToServer).ElementAt(1).Bytes;
        string clientProtocol = Encoding.UTF8.GetString(second.AsSpan(12 + 16 + 1 + 2, 509));
        Assert.EndsWith("}}}", clientProtocol);
        var seen = new List<(byte[], byte[])>();
        await using (FakeServer fake = Replay(capture, seen))
        {
            var options = Net.ClientOptions(fake.Port) with { ProtocolTextOverride = clientProtocol };
            await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(options, new TestLogger(), default);
            Assert.Equal(AvroStatus.Ok, await client.AppendBatchAsync(HelloWorld(), default));
            Assert.Equal(AvroStatus.Ok, await client.AppendBatchAsync(HelloWorld(), default));
            Assert.Equal(AvroStatus.Ok, await client.AppendAsync(TestEvent.Of("x"), default));
            await fake.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(4, seen.Count);
        foreach (var (exp, act) in seen)
        {
            Assert.Equal(Hex.Of(exp), Hex.Of(act));
        }
    }

    [Fact]
    public async Task ClientSurfacesServerErrorText()
    {
        Capture capture = Capture.Load("server-error.txt");
        var seen = new List<(byte[], byte[])>();
        await using FakeServer fake = Replay(capture, seen);
        await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(Net.ClientOptions(fake.Port), new TestLogger(), default);
        var ex = await Assert.ThrowsAsync<AvroRpcException>(() => client.AppendBatchAsync(HelloWorld(), default));
        Assert.Contains("channel c1 is full", ex.Message);
        Assert.Equal(Hex.Of(seen[0].Item1), Hex.Of(seen[0].Item2));
    }

    // ---------- deflate ----------

    /// <summary>Inflates a (possibly unterminated, sync-flushed) zlib stream.</summary>
    internal static byte[] Inflate(byte[] zlib)
    {
        using var z = new ZLibStream(new MemoryStream(zlib), CompressionMode.Decompress);
        var output = new MemoryStream();
        var buf = new byte[4096];
        try
        {
            int n;
            while ((n = z.Read(buf)) > 0)
            {
                output.Write(buf, 0, n);
            }
        }
        catch (InvalidDataException)
        {
            // unterminated stream: everything before the missing trailer was delivered
        }

        return output.ToArray();
    }

    [Fact]
    public void DeflateCaptureInflatesToThePlainConversation()
    {
        Capture deflate = Capture.Load("deflate-batch.txt");
        Capture plain = Capture.Load("plain-batch.txt");
        Assert.Equal(Hex.Of(plain.All(true)), Hex.Of(Inflate(deflate.All(true))));
        Assert.Equal(Hex.Of(plain.All(false)), Hex.Of(Inflate(deflate.All(false))));
    }

    [Fact]
    public async Task DeflateServerAcceptsJavasCompressedStreamAsIs()
    {
        var handler = new RecordingHandler();
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(handler, log, o => o with { Compression = AvroCompression.Deflate });
        using TcpClient raw = await Net.RawConnect(server.LocalEndPoint!.Port);
        NetworkStream s = raw.GetStream();
        await using var inflater = new ZLibStream(s, CompressionMode.Decompress, leaveOpen: true);
        Capture deflate = Capture.Load("deflate-batch.txt");
        var plainAnswers = Capture.Load("plain-batch.txt").Runs.Where(r => !r.ClientToServer).Select(r => r.Bytes).ToList();
        int answer = 0;
        foreach (var (c2s, bytes) in deflate.Lines)
        {
            if (c2s)
            {
                await s.WriteAsync(bytes);
            }
            else
            {
                byte[] got = await Net.ReadExactly(inflater, plainAnswers[answer].Length);
                Assert.Equal(Hex.Of(plainAnswers[answer]), Hex.Of(got));
                answer++;
            }
        }

        Assert.Equal(3, answer);
        Assert.Equal(3, handler.Calls.Count);
        await Retry.Until(() => log.Has(Microsoft.Extensions.Logging.LogLevel.Information, "disconnected"), "server sees the client's close");
    }

    [Fact]
    public async Task DeflateClientTalksToJavasCompressedServerStream()
    {
        Capture deflate = Capture.Load("deflate-batch.txt");
        byte[] expectedPlain = Capture.Load("plain-batch.txt").All(true);
        var inflated = new MemoryStream();
        var serverLines = deflate.Lines.Where(l => !l.ClientToServer).Select(l => l.Bytes).ToList();
        var requestSizes = Capture.Load("plain-batch.txt").Runs.Where(r => r.ClientToServer).Select(r => r.Bytes.Length).ToList();
        await using (var fake = new FakeServer(async (s, ct) =>
        {
            await using var z = new ZLibStream(s, CompressionMode.Decompress, leaveOpen: true);
            for (int i = 0; i < 3; i++)
            {
                var buf = new byte[requestSizes[i]];
                await z.ReadExactlyAsync(buf, ct);
                inflated.Write(buf);
                await s.WriteAsync(serverLines[i], ct); // Java's compressed answer, replayed as is
            }
        }))
        {
            var options = Net.ClientOptions(fake.Port) with { Compression = AvroCompression.Deflate };
            await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(options, new TestLogger(), default);
            Assert.Equal(AvroStatus.Ok, await client.AppendBatchAsync(HelloWorld(), default));
            Assert.Equal(AvroStatus.Ok, await client.AppendBatchAsync(HelloWorld(), default));
            Assert.Equal(AvroStatus.Ok, await client.AppendAsync(TestEvent.Of("x"), default));
            await fake.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(Hex.Of(expectedPlain), Hex.Of(inflated.ToArray()));
    }
}
