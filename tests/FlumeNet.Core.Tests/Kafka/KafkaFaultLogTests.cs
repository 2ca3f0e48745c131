using FlumeNet.Core.Tests.Support;
using FlumeNet.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace FlumeNet.Core.Tests.Kafka;

public sealed class KafkaFaultLogTests
{
    [Fact]
    public void BrokerFaults_AreOneWarnPerInterval_NamingTheServers_AndRecoveryIsOneInfo()
    {
        var log = new LogCapture();
        var time = new FakeTimeProvider();
        var faults = new KafkaFaultLog(log.CreateLogger("k"), "Kafka sink k1", "b1:9092,b2:9092", time);

        for (var i = 0; i < 50; i++)
        {
            faults.Warn("Connect to ipv4#10.0.0.1:9092 failed: Connection refused");
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(1, log.Count(LogLevel.Warning, "Kafka sink k1: Kafka brokers b1:9092,b2:9092 not available: Connect to ipv4#10.0.0.1:9092 failed"));
        time.Advance(KafkaFaultLog.Interval);
        faults.Warn("still refused");
        Assert.Equal(1, log.Count(LogLevel.Warning, "still refused (49 more in the last 30 s)"));

        faults.Recovered();
        faults.Recovered();
        Assert.Equal(1, log.Count(LogLevel.Information, "Kafka brokers b1:9092,b2:9092 reachable again"));

        // after a recovery the next fault is reported at once
        faults.Problem("Subscribed topic not available: t");
        Assert.Equal(1, log.Count(LogLevel.Warning, "Kafka sink k1: Subscribed topic not available: t (brokers b1:9092,b2:9092); retrying"));
        Assert.Equal(3, log.Entries.Count(e => e.Level == LogLevel.Warning));
    }
}
