using System.Text;
using FlumeNet.Configuration;
using FlumeNet.Kafka;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlumeNet.Core.Tests.Kafka;

public sealed class KafkaConfigurationTests
{
    private static readonly Dictionary<string, string> None = new();

    [Fact]
    public void JavaNames_AreRenamed_PassedThrough_OrDroppedWithOneWarningEach()
    {
        var ctx = Context(new()
        {
            ["kafka.producer.acks"] = "all",
            ["kafka.producer.linger.ms"] = "7",
            ["kafka.producer.delivery.timeout.ms"] = "9000",
            ["kafka.producer.buffer.memory"] = "33554432",
            ["kafka.producer.max.block.ms"] = "1000",
            ["kafka.producer.key.serializer"] = "org.apache.kafka.common.serialization.StringSerializer",
            ["kafka.producer.ssl.truststore.location"] = "/etc/kafka/trust.jks",
            ["kafka.producer.ssl.truststore.password"] = "secret",
            ["kafka.producer.ssl.endpoint.identification.algorithm"] = "",
        });
        var props = KafkaClientProperties.Build(ctx, "kafka.producer.", "b1:9092", new Dictionary<string, string> { ["acks"] = "1" }, None);

        Assert.Equal("all", props["acks"]); // pass-through beats the component default
        Assert.Equal("7", props["linger.ms"]);
        Assert.Equal("9000", props["message.timeout.ms"]);
        Assert.Equal("32768", props["queue.buffering.max.kbytes"]);
        Assert.Equal("none", props["ssl.endpoint.identification.algorithm"]);
        Assert.Equal("b1:9092", props["bootstrap.servers"]);
        Assert.False(props.ContainsKey("max.block.ms"));
        Assert.False(props.ContainsKey("key.serializer"));
        Assert.DoesNotContain(props.Keys, k => k.Contains("truststore", StringComparison.Ordinal));
        var warnings = ctx.Problems.Select(p => p.Key).ToList();
        Assert.Equal(["a1.sinks.k1.kafka.producer.max.block.ms", "a1.sinks.k1.kafka.producer.ssl.truststore.location"], warnings);
        Assert.Contains("PEM", ctx.Problems[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PemStores_JaasCredentials_AndForcedValues_AreMapped()
    {
        var ctx = Context(new()
        {
            ["kafka.consumer.security.protocol"] = "SASL_SSL",
            ["kafka.consumer.ssl.truststore.location"] = "/etc/ca.pem",
            ["kafka.consumer.ssl.keystore.location"] = "/etc/client.p12",
            ["kafka.consumer.ssl.keystore.password"] = "pw",
            ["kafka.consumer.ssl.disableTLSHostnameVerification"] = "true",
            ["kafka.consumer.sasl.jaas.config"] = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\"s3cr;t\";",
            ["kafka.consumer.enable.auto.commit"] = "true",
        });
        var props = KafkaClientProperties.Build(ctx, "kafka.consumer.", "b:1", None, new Dictionary<string, string> { ["enable.auto.commit"] = "false" });

        Assert.Equal("/etc/ca.pem", props["ssl.ca.location"]);
        Assert.Equal("/etc/client.p12", props["ssl.keystore.location"]);
        Assert.Equal("pw", props["ssl.keystore.password"]);
        Assert.Equal("none", props["ssl.endpoint.identification.algorithm"]);
        Assert.Equal("alice", props["sasl.username"]);
        Assert.Equal("s3cr;t", props["sasl.password"]);
        Assert.Equal("false", props["enable.auto.commit"]); // forced
        Assert.Empty(ctx.Problems);
    }

    [Fact]
    public void Sink_WithoutBootstrapServers_IsAConfigurationErrorNamingTheKey()
    {
        var ctx = Context(new() { ["kafka.topic"] = "t" });
        _ = new KafkaSink("k1", new FlumeNet.Channels.MemoryChannel("c1", new(), NullLogger.Instance), ctx, BuildServices.Create(NullLoggerFactory.Instance));
        var error = Assert.Single(ctx.Problems, p => p.Severity != ProblemSeverity.Warning);
        Assert.Equal("a1.sinks.k1.kafka.bootstrap.servers", error.Key);
        Assert.Equal("Bootstrap Servers must be specified", error.Message);
    }

    [Fact]
    public void Source_WithAPropertyLibrdkafkaRejects_IsAConfigurationErrorNamingTheKey()
    {
        var ctx = Context(new()
        {
            ["kafka.bootstrap.servers"] = "127.0.0.1:1",
            ["kafka.topics"] = "t",
            ["kafka.consumer.no.such.property"] = "1",
        });
        _ = new KafkaSource("r1", NoChannels(), ctx, BuildServices.Create(NullLoggerFactory.Instance));
        var error = Assert.Single(ctx.Problems, p => p.Severity != ProblemSeverity.Warning);
        Assert.Equal("a1.sinks.k1.kafka.consumer.no.such.property", error.Key);
        Assert.Contains("No such configuration property", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Source_WithATopicPatternLibrdkafkaCannotCompile_IsAConfigurationErrorNamingTheKey()
    {
        var ctx = Context(new() { ["kafka.bootstrap.servers"] = "127.0.0.1:1", ["kafka.topics.regex"] = "logs-(?:a" });
        _ = new KafkaSource("r1", NoChannels(), ctx, BuildServices.Create(NullLoggerFactory.Instance));
        var error = Assert.Single(ctx.Problems, p => p.Severity != ProblemSeverity.Warning);
        Assert.Equal("a1.sinks.k1.kafka.topics.regex", error.Key);
    }

    [Theory]
    [InlineData("", "hi", "00046869")]
    [InlineData("a=1", "hi", "020261023100046869")]
    [InlineData("", "", "0000")]
    public void FlumeEventFormat_IsJavaFlumesBareAvroEvent(string header, string body, string hex)
    {
        var headers = new Dictionary<string, string>();
        if (header.Length > 0)
        {
            headers[header.Split('=')[0]] = header.Split('=')[1];
        }

        var bytes = KafkaEventFormat.Encode(new Event(headers, Encoding.UTF8.GetBytes(body)));
        Assert.Equal(hex, Convert.ToHexString(bytes).ToLowerInvariant());
        var back = KafkaEventFormat.Decode(bytes);
        Assert.Equal(body, Encoding.UTF8.GetString(back.BodyArray));
        Assert.Equal(headers, back.Headers);
    }

    [Fact]
    public void FlumeEventFormat_RejectsPlainText()
    {
        Assert.Throws<FormatException>(() => KafkaEventFormat.Decode(Encoding.UTF8.GetBytes("hello world")));
    }

    [Fact]
    public void TopicEscapes_ReplaceHeaders_MissingOnesByNothing()
    {
        var headers = new Dictionary<string, string> { ["dc"] = "east" };
        Assert.Equal("logs-east-", HeaderEscapes.Replace("logs-%{dc}-%{nope}", headers));
        Assert.Equal("plain", HeaderEscapes.Replace("plain", headers));
        Assert.Equal("x-%{open", HeaderEscapes.Replace("x-%{open", headers));
    }

    private static ChannelProcessor NoChannels() =>
        new(new FlumeNet.Selectors.ReplicatingChannelSelector([], new ComponentContext("s", "s.", new Dictionary<string, string>())), [], NullLogger.Instance);

    private static ComponentContext Context(Dictionary<string, string> props) => new("k1", "a1.sinks.k1.", props);
}
