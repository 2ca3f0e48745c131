using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FlumeNet.Avro;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Avro.Tests;

public sealed class FaultTests
{
    private static List<IFlumeEvent> Events(int n) => Enumerable.Range(0, n).Select(i => (IFlumeEvent)TestEvent.Of($"body-{i}", ("i", i.ToString()))).ToList();

    private static async Task AssertGoodClientGetsOk(AvroRpcServer server, Func<AvroRpcClientOptions, AvroRpcClientOptions>? configure = null)
    {
        var options = Net.ClientOptions(server.LocalEndPoint!.Port);
        options = configure?.Invoke(options) ?? options;
        await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(options, new TestLogger(), default);
        Assert.Equal(AvroStatus.Ok, await client.AppendBatchAsync(Events(3), default));
        Assert.Equal(AvroStatus.Ok, await client.AppendAsync(TestEvent.Of("one"), default));
        Assert.True(client.IsActive);
    }

    [Fact]
    public async Task EndToEndPlain()
    {
        var handler = new RecordingHandler();
        await using AvroRpcServer server = await Net.StartServer(handler, new TestLogger());
        Assert.NotEqual(0, server.LocalEndPoint!.Port);
        await AssertGoodClientGetsOk(server);
        Assert.Equal(4, handler.EventCount);
    }

    [Fact]
    public async Task PeerDownAtConnectFailsFastWithClearMessage()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }

        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<AvroRpcException>(() => AvroRpcClient.ConnectAsync(Net.ClientOptions(port), new TestLogger(), default));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), $"took {sw.Elapsed}");
        Assert.Contains($"127.0.0.1:{port}", ex.Message);
    }

    [Fact]
    public async Task ServerAnsweringFailedIsReturnedNotThrown()
    {
        var handler = new RecordingHandler { Answer = _ => AvroStatus.Failed };
        await using AvroRpcServer server = await Net.StartServer(handler, new TestLogger());
        await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(Net.ClientOptions(server.LocalEndPoint!.Port), new TestLogger(), default);
        Assert.Equal(AvroStatus.Failed, await client.AppendBatchAsync(Events(2), default));
        Assert.True(client.IsActive);
    }

    [Fact]
    public async Task HandlerExceptionBecomesAvroErrorAndServerKeepsServing()
    {
        var handler = new RecordingHandler { Answer = _ => throw new InvalidOperationException("channel c1 is full") };
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(handler, log);
        await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(Net.ClientOptions(server.LocalEndPoint!.Port), new TestLogger(), default);
        var ex = await Assert.ThrowsAsync<AvroRpcException>(() => client.AppendBatchAsync(Events(2), default));
        Assert.Contains("channel c1 is full", ex.Message);
        handler.Answer = _ => AvroStatus.Ok;
        Assert.Equal(AvroStatus.Ok, await client.AppendBatchAsync(Events(2), default));
        Assert.Single(log.Lines, l => l.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task HangingServerHonoursRequestTimeout()
    {
        var gate = new TaskCompletionSource();
        await using var fake = new FakeServer(async (s, ct) =>
        {
            var buf = new byte[4096];
            while (await s.ReadAsync(buf, ct) > 0)
            {
                // read everything, answer nothing
            }

            gate.TrySetResult();
        });
        var options = Net.ClientOptions(fake.Port) with { RequestTimeout = TimeSpan.FromMilliseconds(500) };
        await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(options, new TestLogger(), default);
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<AvroRpcException>(() => client.AppendBatchAsync(Events(1), default));
        Assert.InRange(sw.ElapsedMilliseconds, 400, 4000);
        Assert.Contains("timed out", ex.Message);
        Assert.False(client.IsActive);
        await Assert.ThrowsAsync<AvroRpcException>(() => client.AppendAsync(TestEvent.Of("x"), default));
    }

    [Fact]
    public async Task ServerClosingMidCallFailsTheCallAtOnce()
    {
        await using var fake = new FakeServer(async (s, ct) =>
        {
            var buf = new byte[8];
            await s.ReadExactlyAsync(buf, ct);
        });
        var options = Net.ClientOptions(fake.Port) with { RequestTimeout = TimeSpan.FromSeconds(30) };
        await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(options, new TestLogger(), default);
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<AvroRpcException>(() => client.AppendBatchAsync(Events(1), default));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains("connection", ex.Message);
        Assert.False(client.IsActive);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("2gb")]
    [InlineData("negative-count")]
    [InlineData("bad-handshake")]
    [InlineData("unknown-message")]
    public async Task MalformedInputClosesOnlyThatConnection(string kind)
    {
        var handler = new RecordingHandler();
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(handler, log);
        using TcpClient bystander = await Net.RawConnect(server.LocalEndPoint!.Port);
        using TcpClient bad = await Net.RawConnect(server.LocalEndPoint!.Port);
        string badPeer = $"/127.0.0.1:{((IPEndPoint)bad.Client.LocalEndPoint!).Port}";
        byte[] payload = kind switch
        {
            "garbage" => Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n" + new string('z', 5000)),
            "2gb" => Hex.Bytes("00000001" + "00000001" + "7fffffff" + "000102"),
            "negative-count" => Hex.Bytes("00000001" + "ffffffff"),
            // a frame whose content is not a handshake: union branch 7 in clientProtocol
            "bad-handshake" => Frame(1, [.. new byte[16], 0x0e, .. new byte[30]]),
            _ => Frame(1, [.. Hex.Bytes("86aadae2c45474c0fe93ffd0f2350a65" + "00" + "86aadae2c45474c0fe93ffd0f2350a65" + "0200" + "00"), 0x06, .. "foo"u8, 0x00]),
        };
        NetworkStream s = bad.GetStream();
        await s.WriteAsync(payload);
        Assert.True(await Net.ClosedByPeer(s), "server should close the bad connection");
        await Retry.Until(() => log.Lines.Any(l => l.Level == LogLevel.Warning && l.Message.Contains(badPeer, StringComparison.Ordinal)), "one warning naming the peer");
        Assert.Single(log.Lines, l => l.Message.Contains(badPeer, StringComparison.Ordinal) && l.Level >= LogLevel.Warning);
        Assert.All(log.Lines, l => Assert.Null(l.Exception));
        Assert.Empty(handler.Calls);
        Assert.True(bystander.Connected);
        await AssertGoodClientGetsOk(server);
        Assert.Equal(4, handler.EventCount);
    }

    private static byte[] Frame(int serial, byte[] body)
    {
        var f = new byte[12 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(f, serial);
        BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(8), body.Length);
        body.CopyTo(f, 12);
        return f;
    }

    [Fact]
    public async Task IdleClientBeforeHandshakeIsClosedWithOneLine()
    {
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(new RecordingHandler(), log, o => o with { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using TcpClient idle = await Net.RawConnect(server.LocalEndPoint!.Port);
        Assert.True(await Net.ClosedByPeer(idle.GetStream()));
        await Retry.Until(() => log.Has(LogLevel.Warning, "no complete handshake"), "idle log line");
        await AssertGoodClientGetsOk(server);
    }

    [Fact]
    public async Task ClientKilledMidBatchNeverReachesTheHandler()
    {
        var handler = new RecordingHandler();
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(handler, log);
        byte[] request = Capture.Load("big-batch.txt").Runs[0].Bytes;
        using (TcpClient raw = await Net.RawConnect(server.LocalEndPoint!.Port))
        {
            await raw.GetStream().WriteAsync(request.AsMemory(0, request.Length - 500));
            await raw.GetStream().FlushAsync();
            raw.Client.Close(); // abrupt
        }

        await Retry.Until(() => server.ConnectionCount == 0, "server drops the half-sent connection");
        Assert.Empty(handler.Calls);
        await AssertGoodClientGetsOk(server);
    }

    [Fact]
    public async Task DeflateEndToEnd()
    {
        var handler = new RecordingHandler();
        await using AvroRpcServer server = await Net.StartServer(handler, new TestLogger(), o => o with { Compression = AvroCompression.Deflate });
        await AssertGoodClientGetsOk(server, o => o with { Compression = AvroCompression.Deflate, CompressionLevel = 9 });
        Assert.Equal(4, handler.EventCount);
    }

    [Fact]
    public async Task PlainClientAgainstDeflateServerIsDiagnosed()
    {
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(new RecordingHandler(), log, o => o with { Compression = AvroCompression.Deflate });
        await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(Net.ClientOptions(server.LocalEndPoint!.Port), new TestLogger(), default);
        await Assert.ThrowsAsync<AvroRpcException>(() => client.AppendBatchAsync(Events(1), default));
        await Retry.Until(() => log.Has(LogLevel.Warning, "compression-type"), "deflate mismatch log line");
    }

    [Fact]
    public async Task DeflateClientAgainstPlainServerIsDiagnosed()
    {
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(new RecordingHandler(), log);
        var options = Net.ClientOptions(server.LocalEndPoint!.Port) with { Compression = AvroCompression.Deflate };
        await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(options, new TestLogger(), default);
        await Assert.ThrowsAsync<AvroRpcException>(() => client.AppendBatchAsync(Events(1), default));
        await Retry.Until(() => log.Has(LogLevel.Warning, "compression-type"), "deflate mismatch log line");
    }

    internal static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=flumenet-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        using X509Certificate2 cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12, "pw"), "pw");
    }

    [Fact]
    public async Task TlsWithTrustAll()
    {
        using X509Certificate2 cert = SelfSigned();
        var handler = new RecordingHandler();
        await using AvroRpcServer server = await Net.StartServer(handler, new TestLogger(), o => o with { ServerCertificate = cert });
        await AssertGoodClientGetsOk(server, o => o with { Ssl = true, TrustAllCerts = true });
        Assert.Equal(4, handler.EventCount);
    }

    [Fact]
    public async Task TlsWithDeflateAndTruststoreFiles()
    {
        using X509Certificate2 cert = SelfSigned();
        string dir = Directory.CreateTempSubdirectory("flumenet-tls").FullName;
        try
        {
            string p12 = Path.Combine(dir, "server.p12");
            File.WriteAllBytes(p12, cert.Export(X509ContentType.Pkcs12, "secret"));
            string pem = Path.Combine(dir, "trust.pem");
            File.WriteAllText(pem, cert.ExportCertificatePem());
            using X509Certificate2 loaded = AvroTls.LoadServerCertificate(p12, "secret", "PKCS12");
            var handler = new RecordingHandler();
            await using AvroRpcServer server = await Net.StartServer(handler, new TestLogger(), o => o with { ServerCertificate = loaded, Compression = AvroCompression.Deflate });
            await AssertGoodClientGetsOk(server, o => o with { Ssl = true, TruststorePath = pem, Compression = AvroCompression.Deflate });
            await AssertGoodClientGetsOk(server, o => o with { Ssl = true, TruststorePath = p12, TruststorePassword = "secret", TruststoreType = "PKCS12", Compression = AvroCompression.Deflate });
            Assert.Equal(8, handler.EventCount);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task TlsWithPemCertificateAndKey()
    {
        using X509Certificate2 cert = SelfSigned();
        string dir = Directory.CreateTempSubdirectory("flumenet-pem").FullName;
        try
        {
            string certPem = Path.Combine(dir, "server.crt");
            string keyPem = Path.Combine(dir, "server.key");
            File.WriteAllText(certPem, cert.ExportCertificatePem());
            using (RSA key = cert.GetRSAPrivateKey()!)
            {
                File.WriteAllText(keyPem, key.ExportPkcs8PrivateKeyPem());
            }

            using X509Certificate2 loaded = AvroTls.LoadServerCertificate(certPem, null, "PEM", keyPem);
            await using AvroRpcServer server = await Net.StartServer(new RecordingHandler(), new TestLogger(), o => o with { ServerCertificate = loaded });
            await AssertGoodClientGetsOk(server, o => o with { Ssl = true, TruststorePath = certPem });
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task TlsRejectsAnUntrustedServer()
    {
        using X509Certificate2 cert = SelfSigned();
        using X509Certificate2 other = SelfSigned();
        string pem = Path.Combine(Path.GetTempPath(), $"flumenet-other-{Guid.NewGuid():N}.pem");
        File.WriteAllText(pem, other.ExportCertificatePem());
        try
        {
            var log = new TestLogger();
            await using AvroRpcServer server = await Net.StartServer(new RecordingHandler(), log, o => o with { ServerCertificate = cert });
            var options = Net.ClientOptions(server.LocalEndPoint!.Port) with { Ssl = true, TruststorePath = pem };
            var ex = await Assert.ThrowsAsync<AvroRpcException>(() => AvroRpcClient.ConnectAsync(options, new TestLogger(), default));
            Assert.Contains("TLS", ex.Message);
        }
        finally
        {
            File.Delete(pem);
        }
    }

    [Fact]
    public async Task PlainClientAgainstTlsServerAndTlsClientAgainstPlainServerFailCleanly()
    {
        using X509Certificate2 cert = SelfSigned();
        var log = new TestLogger();
        await using AvroRpcServer tls = await Net.StartServer(new RecordingHandler(), log, o => o with { ServerCertificate = cert });
        await using (AvroRpcClient plain = await AvroRpcClient.ConnectAsync(Net.ClientOptions(tls.LocalEndPoint!.Port), new TestLogger(), default))
        {
            await Assert.ThrowsAsync<AvroRpcException>(() => plain.AppendBatchAsync(Events(1), default));
        }

        var plainLog = new TestLogger();
        await using AvroRpcServer plainServer = await Net.StartServer(new RecordingHandler(), plainLog);
        var options = Net.ClientOptions(plainServer.LocalEndPoint!.Port) with { Ssl = true, TrustAllCerts = true };
        await Assert.ThrowsAsync<AvroRpcException>(() => AvroRpcClient.ConnectAsync(options, new TestLogger(), default));
        await Retry.Until(() => plainLog.Has(LogLevel.Warning, "TLS"), "TLS mismatch log line");
    }

    [Fact]
    public async Task AddressInUseNamesBindAndPort()
    {
        await using AvroRpcServer first = await Net.StartServer(new RecordingHandler(), new TestLogger());
        int port = first.LocalEndPoint!.Port;
        await using var second = new AvroRpcServer(new AvroRpcServerOptions { BindAddress = IPAddress.Loopback, Port = port }, new RecordingHandler(), new TestLogger());
        var ex = await Assert.ThrowsAsync<AvroRpcException>(() => second.StartAsync());
        Assert.Contains($"127.0.0.1:{port}", ex.Message);
        Assert.Contains("in use", ex.Message);
    }

    [Fact]
    public async Task IpFilterRejectsConnections()
    {
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(new RecordingHandler(), log, o => o with { AcceptClient = _ => false });
        using TcpClient raw = await Net.RawConnect(server.LocalEndPoint!.Port);
        Assert.True(await Net.ClosedByPeer(raw.GetStream()));
        await Retry.Until(() => log.Has(LogLevel.Warning, "ipFilter"), "ipFilter log line");
    }

    [Fact]
    public async Task StopClosesAllConnectionsAndIsIdempotent()
    {
        var log = new TestLogger();
        AvroRpcServer server = await Net.StartServer(new RecordingHandler(), log);
        await using AvroRpcClient client = await AvroRpcClient.ConnectAsync(Net.ClientOptions(server.LocalEndPoint!.Port), new TestLogger(), default);
        Assert.Equal(AvroStatus.Ok, await client.AppendAsync(TestEvent.Of("a"), default));
        await Retry.Until(() => server.ConnectionCount == 1, "one connection");
        await server.StopAsync();
        Assert.Equal(0, server.ConnectionCount);
        await server.StopAsync();
        await server.DisposeAsync();
        await Assert.ThrowsAsync<AvroRpcException>(() => client.AppendAsync(TestEvent.Of("b"), default));
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task ManyConcurrentClients()
    {
        var handler = new RecordingHandler();
        await using AvroRpcServer server = await Net.StartServer(handler, new TestLogger());
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            await using AvroRpcClient c = await AvroRpcClient.ConnectAsync(Net.ClientOptions(server.LocalEndPoint!.Port), new TestLogger(), default);
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(AvroStatus.Ok, await c.AppendBatchAsync(Events(10), default));
            }
        }));
        Assert.Equal(2000, handler.EventCount);
    }
}
