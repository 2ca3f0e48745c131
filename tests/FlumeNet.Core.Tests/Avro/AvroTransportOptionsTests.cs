using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FlumeNet.Channels;
using FlumeNet.Configuration;
using FlumeNet.Runtime;
using FlumeNet.Sinks;
using FlumeNet.Sources;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlumeNet.Core.Tests.Avro;

/// <summary>The avro sink and source keys for TLS, deflate and ipFilter, end to end on 127.0.0.1.</summary>
public sealed class AvroTransportOptionsTests : IDisposable
{
    private static readonly BuildServices Services = BuildServices.Create(NullLoggerFactory.Instance);
    private readonly string _dir = Directory.CreateTempSubdirectory("flumenet-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("PKCS12")]
    [InlineData("PEM")]
    public async Task TlsWithASelfSignedCertificate(string keystoreType)
    {
        var keystore = WriteCertificate(keystoreType);
        var delivered = await DeliverAsync(
            [("ssl", "true"), ("keystore", keystore), ("keystore-password", keystoreType == "PKCS12" ? "secret" : string.Empty), ("keystore-type", keystoreType)],
            [("ssl", "true"), ("trust-all-certs", "true")]);
        Assert.Equal(["a", "b", "c"], delivered);
    }

    [Fact]
    public async Task TlsWithTheCertificateAsTruststore()
    {
        var keystore = WriteCertificate("PEM");
        var delivered = await DeliverAsync(
            [("ssl", "true"), ("keystore", keystore), ("keystore-type", "PEM")],
            [("ssl", "true"), ("truststore", keystore), ("truststore-type", "PEM")]);
        Assert.Equal(["a", "b", "c"], delivered);
    }

    [Theory]
    [InlineData("TLSv1.2", "TLSv1.2", true)]
    [InlineData("TLSv1.3", "TLSv1.3", true)]
    [InlineData("TLSv1.3", "TLSv1.2", false)]
    public async Task IncludeProtocolsLimitTheTlsVersion(string sourceProtocols, string sinkProtocols, bool delivered)
    {
        var keystore = WriteCertificate("PEM");
        var result = await DeliverAsync(
            [("ssl", "true"), ("keystore", keystore), ("keystore-type", "PEM"), ("include-protocols", sourceProtocols)],
            [("ssl", "true"), ("trust-all-certs", "true"), ("include-protocols", sinkProtocols)]);
        Assert.Equal(delivered ? ["a", "b", "c"] : null, result);
    }

    [Theory]
    [InlineData("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", true)]
    [InlineData("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false)]
    public async Task IncludeCipherSuitesLimitTheSuites(string sourceSuites, string sinkSuites, bool delivered)
    {
        var keystore = WriteCertificate("PEM");
        var result = await DeliverAsync(
            [("ssl", "true"), ("keystore", keystore), ("keystore-type", "PEM"), ("include-protocols", "TLSv1.2"), ("include-cipher-suites", sourceSuites)],
            [("ssl", "true"), ("trust-all-certs", "true"), ("exclude-protocols", "SSLv3 TLSv1.3"), ("include-cipher-suites", sinkSuites)]);
        Assert.Equal(delivered ? ["a", "b", "c"] : null, result);
    }

    [Theory]
    [InlineData("exclude-protocols", "TLSv1.2, TLSv1.3")]
    [InlineData("include-protocols", "TLSv1 SSLv3")]
    [InlineData("include-cipher-suites", "TLS_NOT_A_SUITE")]
    [InlineData("exclude-cipher-suites", "TLS_NOT_A_SUITE")]
    public void TlsListsThatLeaveNothingOrNameUnknownItemsAreErrors(string key, string value)
    {
        var source = Ctx("a1.sources.r1.", ("bind", "127.0.0.1"), ("port", "0"), (key, value));
        _ = new AvroSource("r1", Processor(Channel()), source, Services);
        Assert.Contains(source.Problems, p => p.Severity == ProblemSeverity.Error && p.Key == "a1.sources.r1." + key);

        var sink = Ctx("a1.sinks.k1.", ("hostname", "127.0.0.1"), ("port", "1"), (key, value));
        _ = new AvroSink("k1", Channel(), sink, Services);
        Assert.Contains(sink.Problems, p => p.Severity == ProblemSeverity.Error && p.Key == "a1.sinks.k1." + key);
    }

    [Fact]
    public async Task DeflateOnBothSides()
    {
        var delivered = await DeliverAsync([("compression-type", "deflate")], [("compression-type", "DEFLATE"), ("compression-level", "9")]);
        Assert.Equal(["a", "b", "c"], delivered);
    }

    [Fact]
    public void SslWithoutKeystoreIsAConfigurationError()
    {
        var ctx = Ctx("a1.sources.r1.", ("bind", "127.0.0.1"), ("port", "0"), ("ssl", "true"));
        _ = new AvroSource("r1", Processor(Channel()), ctx, Services);
        Assert.Contains(ctx.Problems, p => p.Severity == ProblemSeverity.Error && p.Key == "a1.sources.r1.keystore");
    }

    [Fact]
    public void IpFilterRulesFirstMatchDecides()
    {
        var ctx = Ctx("a1.sources.r1.");
        var filter = AvroSource.ParseIpFilter("allow:ip:127.0.0.2,deny:ip:127.*,allow:name:localhost", ctx)!;
        Assert.Empty(ctx.Problems);
        Assert.True(filter(IPAddress.Parse("127.0.0.2")));
        Assert.False(filter(IPAddress.Parse("127.0.0.1")));
        Assert.True(filter(IPAddress.Parse("10.1.2.3")));
        Assert.False(filter(IPAddress.Parse("::ffff:127.0.0.5")));
    }

    [Fact]
    public void MalformedIpFilterRuleIsAnError()
    {
        var ctx = Ctx("a1.sources.r1.");
        Assert.Null(AvroSource.ParseIpFilter("allow:127.0.0.1", ctx));
        Assert.Contains(ctx.Problems, p => p.Severity == ProblemSeverity.Error && p.Key == "a1.sources.r1.ipFilterRules" && p.Message.Contains("allow:127.0.0.1"));
    }

    [Fact]
    public async Task DeniedClientsDeliverNothing()
    {
        var collector = Channel();
        var source = new AvroSource("r1", Processor(collector), Ctx("a1.sources.r1.", ("bind", "127.0.0.1"), ("port", "0"), ("ipFilter", "true"), ("ipFilterRules", "deny:ip:127.0.0.1")), Services);
        await source.StartAsync(CancellationToken.None);
        try
        {
            var channel = Channel("x");
            var sink = new AvroSink("k1", channel, Ctx("a1.sinks.k1.", ("hostname", "127.0.0.1"), ("port", source.LocalEndPoint!.Port.ToString()), ("request-timeout", "2000")), Services);
            await sink.StartAsync(CancellationToken.None);
            await Assert.ThrowsAsync<EventDeliveryException>(async () => await sink.ProcessAsync(CancellationToken.None));
            Assert.Equal(1, channel.Size);
            Assert.Equal(0, collector.Size);
            await sink.StopAsync(CancellationToken.None);
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Sends a, b, c from an avro sink to an avro source; null when the sink could not deliver (events kept).</summary>
    private async Task<List<string>?> DeliverAsync((string, string)[] sourceKeys, (string, string)[] sinkKeys)
    {
        var collector = Channel();
        var sctx = Ctx("a1.sources.r1.", [("bind", "127.0.0.1"), ("port", "0"), .. sourceKeys]);
        var source = new AvroSource("r1", Processor(collector), sctx, Services);
        Assert.False(sctx.HasErrors, string.Join("; ", sctx.Problems));
        await source.StartAsync(CancellationToken.None);
        try
        {
            var channel = Channel("a", "b", "c");
            var kctx = Ctx("a1.sinks.k1.", [("hostname", "127.0.0.1"), ("port", source.LocalEndPoint!.Port.ToString()), .. sinkKeys]);
            var sink = new AvroSink("k1", channel, kctx, Services);
            Assert.False(kctx.HasErrors, string.Join("; ", kctx.Problems));
            await sink.StartAsync(CancellationToken.None);
            try
            {
                Assert.Equal(SinkStatus.Ready, await sink.ProcessAsync(CancellationToken.None));
            }
            catch (EventDeliveryException)
            {
                Assert.Equal(3, channel.Size);
                return null;
            }
            finally
            {
                await sink.StopAsync(CancellationToken.None);
            }

            Assert.Equal(0, channel.Size);

            var bodies = new List<string>();
            using var tx = collector.BeginTransaction();
            while (tx.Take() is { } e)
            {
                bodies.Add(Encoding.UTF8.GetString(e.BodyArray));
            }

            tx.Commit();
            return bodies;
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    private string WriteCertificate(string type)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        if (type == "PKCS12")
        {
            var p12 = Path.Combine(_dir, "server.p12");
            File.WriteAllBytes(p12, cert.Export(X509ContentType.Pkcs12, "secret"));
            return p12;
        }

        var pem = Path.Combine(_dir, "server.pem");
        File.WriteAllText(pem, cert.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
        return pem;
    }

    private static MemoryChannel Channel(params string[] bodies)
    {
        var ch = new MemoryChannel("c1", new MemoryChannelOptions(Capacity: 100, TransactionCapacity: 100), NullLogger.Instance);
        using var tx = ch.BeginTransaction();
        foreach (var b in bodies)
        {
            tx.Put(new Event(Encoding.UTF8.GetBytes(b)));
        }

        tx.Commit();
        return ch;
    }

    private static ComponentContext Ctx(string prefix, params (string Key, string Value)[] props) =>
        new(prefix.Split('.')[2], prefix, props.ToDictionary(p => p.Key, p => p.Value));

    private static ChannelProcessor Processor(IChannel channel) =>
        new(new FlumeNet.Selectors.ReplicatingChannelSelector([channel], Ctx("a1.sources.r1.selector.")), [], NullLogger.Instance);
}
