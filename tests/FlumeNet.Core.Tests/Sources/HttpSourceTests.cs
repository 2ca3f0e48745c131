using System.Net;
using System.Net.Sockets;
using System.Text;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using FlumeNet.Sources;
using FlumeNet.Sources.Http;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Sources;

/// <summary>The http source on a real Kestrel listener on loopback, and the netcatudp source on a real socket.</summary>
public sealed class HttpSourceTests
{
    private readonly LogCapture _log = new();

    private HttpSource Http(IChannel ch, params (string Key, string Value)[] extra)
    {
        var ctx = Ctx.Named("r1", "a1.sources.r1.", [("type", "http"), ("bind", "127.0.0.1"), ("port", "0"), .. extra]);
        var source = new HttpSource("r1", Replicating(ch), ctx, BuildServices.Create(_log));
        Assert.False(ctx.HasErrors, string.Join("; ", ctx.Problems));
        return source;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Answers_200_400_503_413_and_405_as_flume_and_counts()
    {
        var ch = Memory(capacity: 3, txCapacity: 3);
        var source = Http(ch, ("maxRequestBytes", "4096"));
        await source.StartAsync(CancellationToken.None);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{source.LocalEndPoint!.Port}/") };
            var ok = await http.PostAsync("any/path", Json("""[{"headers":{"h":"1"},"body":"one"},{"body":"two"}]"""));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(string.Empty, await ok.Content.ReadAsStringAsync());

            var bad = await http.PostAsync("/", Json("""{"body":"x"}"""));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.StartsWith("Bad request from client. Request has invalid JSON Syntax. Expected a JSON array", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            var full = await http.PostAsync("/", Json("""[{"body":"3"},{"body":"4"}]"""));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
            Assert.StartsWith("Error appending event to channel. Channel might be full.", await full.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            var big = await http.PostAsync("/", Json("[" + string.Join(',', Enumerable.Repeat("""{"body":"xxxxxxxxxx"}""", 400)) + "]"));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);

            var put = await http.PutAsync("/", Json("[]"));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);

            Assert.Equal(["one", "two"], Drain(ch));
            var again = await http.PostAsync("/", Json("""[{"body":"3"},{"body":"4"}]"""));
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);

            var c = (SourceCounter)source.Counters;
            Assert.Equal(3, c.AppendBatchReceivedCount);
            Assert.Equal(2, c.AppendBatchAcceptedCount);
            Assert.Equal(6, c.EventReceivedCount);
            Assert.Equal(4, c.EventAcceptedCount);
            Assert.Equal(1, c.ChannelWriteFail);
            Assert.Equal(2, c.EventReadFail);
            Assert.Equal(1, _log.Count(LogLevel.Warning, "Error appending event to channel. Channel might be full."));
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }

        Assert.Equal(1, _log.Count(LogLevel.Information, "Http source r1 stopped. Metrics: SOURCE:r1{"));
    }

    [Fact]
    public async Task Blob_handler_takes_the_raw_body()
    {
        var ch = Memory();
        var source = Http(ch, ("handler", HttpSourceHandlers.Blob));
        await source.StartAsync(CancellationToken.None);
        try
        {
            using var http = new HttpClient();
            var r = await http.PostAsync($"http://127.0.0.1:{source.LocalEndPoint!.Port}/?name=v", new ByteArrayContent("raw body"u8.ToArray()));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(["raw body"], Drain(ch));
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Tls_with_a_pem_keystore_serves_https()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var req = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pem = Path.Combine(Path.GetTempPath(), $"flumenet-http-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(pem, cert.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
        try
        {
            var ch = Memory();
            var source = Http(ch, ("ssl", "true"), ("keystore", pem), ("keystore-type", "PEM"), ("exclude-protocols", "SSLv3 TLSv1.3"));
            await source.StartAsync(CancellationToken.None);
            try
            {
                using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == cert.Thumbprint };
                using var https = new HttpClient(handler);
                var r = await https.PostAsync($"https://127.0.0.1:{source.LocalEndPoint!.Port}/", Json("""[{"body":"secure"}]"""));
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                Assert.Equal(["secure"], Drain(ch));
            }
            finally
            {
                await source.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            File.Delete(pem);
        }
    }

    [Theory]
    [InlineData("handler", "org.example.MyHandler", "a1.sources.r1.handler")]
    [InlineData("keystore-type", "JKS", "a1.sources.r1.keystore-type")]
    public void Config_errors_name_the_key(string key, string value, string problemKey)
    {
        var props = new List<(string, string)> { ("type", "http"), ("port", "1"), (key, value) };
        if (key == "keystore-type")
        {
            props.AddRange([("ssl", "true"), ("keystore", "/nonexistent/keystore.jks")]);
        }

        var ctx = Ctx.Named("r1", "a1.sources.r1.", [.. props]);
        _ = new HttpSource("r1", Replicating(Memory()), ctx, BuildServices.Create(_log));
        var problem = Assert.Single(ctx.Problems, p => p.Severity != FlumeNet.Configuration.ProblemSeverity.Warning);
        Assert.Equal(problemKey, problem.Key);
    }

    [Fact]
    public async Task Netcatudp_takes_each_datagram_up_to_its_first_newline()
    {
        var ch = Memory();
        var ctx = Ctx.Named("r1", "a1.sources.r1.", ("type", "netcatudp"), ("bind", "127.0.0.1"), ("port", "0"), ("remoteAddress", "from"));
        var source = new NetcatUdpSource("r1", Replicating(ch), ctx, _log);
        Assert.False(ctx.HasErrors);
        await source.StartAsync(CancellationToken.None);
        try
        {
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            var target = source.LocalEndPoint!;
            await udp.SendAsync("hello\nlost"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, target.Port));
            await udp.SendAsync("world"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, target.Port));
            var got = new List<Event>();
            await Wait.Eventually(
                () =>
                {
                    using var tx = ch.BeginTransaction();
                    while (tx.Take() is { } e)
                    {
                        got.Add(e);
                    }

                    tx.Commit();
                    return got.Count >= 2;
                },
                TimeSpan.FromSeconds(10),
                "two datagrams");
            Assert.Equal(["hello", "world"], got.Select(Text));
            Assert.Equal("/127.0.0.1:" + ((IPEndPoint)udp.Client.LocalEndPoint!).Port, got[0].Headers["from"]);
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }

        Assert.Equal(1, _log.Count(LogLevel.Information, "Netcat UDP Source stopping..."));
    }
}
