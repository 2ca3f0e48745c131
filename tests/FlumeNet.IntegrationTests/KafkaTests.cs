using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary>One librdkafka mock cluster, held by the test process, shared by the Kafka tests (each uses its own topics).</summary>
public sealed class KafkaClusterFixture : IDisposable
{
    public KafkaMockCluster Cluster { get; } = new();

    public void Dispose() => Cluster.Dispose();
}

/// <summary>
/// The Kafka sink, source and channel in real <c>flume-ng</c> processes against librdkafka's mock cluster, with the
/// records checked by independent clients (kcat, python3-kafka).
/// </summary>
[Collection("kafka")]
public sealed class KafkaTests : IClassFixture<KafkaClusterFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);
    private readonly KafkaMockCluster _kafka;

    public KafkaTests(KafkaClusterFixture fixture)
    {
        _kafka = fixture.Cluster;
    }

    [Fact]
    public void Sink_BodiesReachTheTopic_WithKeyPartitionTopicOverrideAndRecordHeaders()
    {
        _kafka.CreateTopic("sink-plain", 4);
        _kafka.CreateTopic("sink-other", 2);
        using var dir = new TempDir();
        var a = dir.Write("a.txt", string.Join('\n', Enumerable.Range(0, 300).Select(i => $"a{i:D3}")) + "\n");
        var b = dir.Write("b.txt", string.Join('\n', Enumerable.Range(0, 50).Select(i => $"b{i:D3}")) + "\n");
        var conf = dir.Write("sink.properties", $"""
            a1.sources = ra rb
            a1.channels = c1
            a1.sinks = k1
            a1.sources.ra.type = exec
            a1.sources.ra.command = cat {a}
            a1.sources.ra.channels = c1
            a1.sources.ra.interceptors = i1 i2 i3
            a1.sources.ra.interceptors.i1.type = static
            a1.sources.ra.interceptors.i1.key = key
            a1.sources.ra.interceptors.i1.value = user-7
            a1.sources.ra.interceptors.i2.type = static
            a1.sources.ra.interceptors.i2.key = part
            a1.sources.ra.interceptors.i2.value = 2
            a1.sources.ra.interceptors.i3.type = static
            a1.sources.ra.interceptors.i3.key = origin
            a1.sources.ra.interceptors.i3.value = host-a
            a1.sources.rb.type = exec
            a1.sources.rb.command = cat {b}
            a1.sources.rb.channels = c1
            a1.sources.rb.interceptors = i1 i2
            a1.sources.rb.interceptors.i1.type = static
            a1.sources.rb.interceptors.i1.key = topic
            a1.sources.rb.interceptors.i1.value = sink-other
            a1.sources.rb.interceptors.i2.type = static
            a1.sources.rb.interceptors.i2.key = ts
            a1.sources.rb.interceptors.i2.value = 1700000000123
            a1.channels.c1.type = memory
            a1.channels.c1.capacity = 10000
            a1.channels.c1.transactionCapacity = 100
            a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink
            a1.sinks.k1.channel = c1
            a1.sinks.k1.kafka.bootstrap.servers = {_kafka.BootstrapServers}
            a1.sinks.k1.kafka.topic = sink-plain
            a1.sinks.k1.flumeBatchSize = 50
            a1.sinks.k1.partitionIdHeader = part
            a1.sinks.k1.header.origin = x-origin
            a1.sinks.k1.timestampHeader = ts
            a1.sinks.k1.kafka.producer.linger.ms = 1
            """);
        using var agent = FlumeProcess.StartAgent(conf);
        List<string> plain = [];
        Retry.Until(() => (plain = [.. _kafka.ReadWithKcat("sink-plain")]).Count >= 300, Deadline, () => $"{plain.Count} of 300 records in sink-plain\n{agent.Tail()}");
        List<string> other = [];
        Retry.Until(() => (other = [.. _kafka.ReadWithKcat("sink-other", "%p|%k|%s|%T\\n")]).Count >= 50, Deadline, () => $"{other.Count} of 50 records in sink-other\n{agent.Tail()}");

        // partition from the header, key from the header `key`, body alone as the value, in order
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"2|user-7|a{i:D3}"), plain);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"b{i:D3}"), other.Select(l => l.Split('|')[2]).Order(StringComparer.Ordinal));
        Assert.All(other, l => Assert.Equal(string.Empty, l.Split('|')[1])); // no key header: null key
        Assert.All(other, l => Assert.Equal("1700000000123", l.Split('|')[3])); // record timestamp from timestampHeader

        // header.origin = x-origin: a Kafka record header, read by python3-kafka
        var headers = _kafka.Python("""
            import os
            from kafka import KafkaConsumer, TopicPartition
            c = KafkaConsumer(bootstrap_servers=os.environ['BOOTSTRAP'], enable_auto_commit=False, consumer_timeout_ms=5000, api_version=(2, 0, 0))
            tp = TopicPartition('sink-plain', 2)
            c.assign([tp]); c.seek_to_beginning(tp)
            seen = set()
            for m in c:
                seen.add(repr(sorted(m.headers)))
            print('\n'.join(sorted(seen)))
            """);
        Assert.Equal("[('x-origin', b'host-a')]", headers.Trim());
        Assert.Empty(agent.StackFrameLines());
    }

    [Fact]
    public void Sink_FlumeEventFormat_IsTheBareAvroFlumeEvent()
    {
        _kafka.CreateTopic("sink-avro", 1);
        using var dir = new TempDir();
        var input = dir.Write("in.txt", "hi\nhello\n");
        var conf = dir.Write("avro.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = exec
            a1.sources.r1.command = cat {input}
            a1.sources.r1.channels = c1
            a1.sources.r1.interceptors = i1
            a1.sources.r1.interceptors.i1.type = static
            a1.sources.r1.interceptors.i1.key = a
            a1.sources.r1.interceptors.i1.value = 1
            a1.channels.c1.type = memory
            a1.sinks.k1.type = kafka
            a1.sinks.k1.channel = c1
            a1.sinks.k1.kafka.bootstrap.servers = {_kafka.BootstrapServers}
            a1.sinks.k1.kafka.topic = sink-avro
            a1.sinks.k1.useFlumeEventFormat = true
            """);
        using var agent = FlumeProcess.StartAgent(conf);
        var script = """
            import os
            from kafka import KafkaConsumer, TopicPartition
            c = KafkaConsumer(bootstrap_servers=os.environ['BOOTSTRAP'], enable_auto_commit=False, consumer_timeout_ms=3000, api_version=(2, 0, 0))
            tp = TopicPartition('sink-avro', 0)
            c.assign([tp]); c.seek_to_beginning(tp)
            for m in c:
                print(m.value.hex())
            """;
        string[] values = [];
        Retry.Until(() => (values = _kafka.Python(script).Split('\n', StringSplitOptions.RemoveEmptyEntries)).Length >= 2, Deadline, () => $"{values.Length} of 2 records\n{agent.Tail()}");

        // {a=1} + "hi" is 02 02 61 02 31 00 04 68 69 in Java Flume's AvroFlumeEvent encoding
        Assert.Equal(["020261023100046869", "0202610231000a68656c6c6f"], values);
    }

    [Fact]
    public void Source_DeliversRecordsWithHeaders_AndCommitsTheirOffsetsAfterTheChannel()
    {
        _kafka.CreateTopic("src-plain", 1);

        // the first offset commit is refused (GROUP_AUTHORIZATION_FAILED = 30): one error line, the offsets are committed later
        _kafka.InjectErrors(KafkaMockCluster.ApiOffsetCommit, 30);
        _kafka.ProduceWithKcat("src-plain", Enumerable.Range(0, 40).Select(i => $"k{i % 3}:rec{i:D2}"), keyed: true);
        using var dir = new TempDir();
        var conf = dir.Write("src.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = org.apache.flume.source.kafka.KafkaSource
            a1.sources.r1.channels = c1
            a1.sources.r1.kafka.bootstrap.servers = {_kafka.BootstrapServers}
            a1.sources.r1.kafka.topics.regex = src-pla[i]n
            a1.sources.r1.kafka.consumer.group.id = g-plain
            a1.sources.r1.kafka.consumer.auto.offset.reset = earliest
            a1.sources.r1.batchSize = 10
            a1.sources.r1.batchDurationMillis = 200
            a1.channels.c1.type = memory
            a1.sinks.k1.type = logger
            a1.sinks.k1.channel = c1
            """);
        using var agent = FlumeProcess.StartAgent(conf);
        Collector.WaitForBodies(agent, 40, Deadline);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"rec{i:D2}"), LoggerLines.Bodies(agent.Lines));
        var first = agent.Lines.First(l => l.Contains("rec00", StringComparison.Ordinal));
        Assert.Contains("key=k0", first, StringComparison.Ordinal);
        Assert.Contains("topic=src-plain", first, StringComparison.Ordinal);
        Assert.Contains("partition=0", first, StringComparison.Ordinal);
        Assert.Contains("offset=0", first, StringComparison.Ordinal);
        Assert.Contains("timestamp=", first, StringComparison.Ordinal);

        // the group's committed offset, as an independent client sees it, is past the last record
        var script = """
            import os
            from kafka import KafkaConsumer, TopicPartition
            c = KafkaConsumer(bootstrap_servers=os.environ['BOOTSTRAP'], group_id='g-plain', enable_auto_commit=False, api_version=(2, 0, 0))
            print(c.committed(TopicPartition('src-plain', 0)))
            """;
        var committed = string.Empty;
        Retry.Until(() => (committed = _kafka.Python(script).Trim()) == "40", Deadline, () => $"committed offset {committed}, expected 40");
        Assert.Equal(1, agent.CountLines("KafkaSource EXCEPTION"));
        Assert.Equal(40, LoggerLines.Bodies(agent.Lines).Count); // the refused commit repeated nothing
        Assert.Empty(agent.StackFrameLines());
    }

    [Fact]
    public void Source_KilledMidStream_LosesNothing_AndRepeatsAtMostOneBatch()
    {
        const int BatchSize = 100;
        const int Total = 24000;
        const int Before = 20000; // produced before the first agent starts: it is killed long before it read them all
        _kafka.CreateTopic("src-kill", 1);
        _kafka.CreateTopic("src-kill-channel", 1);
        _kafka.ProduceWithKcat("src-kill", Enumerable.Range(0, Before).Select(i => $"m{i:D5}"));
        using var dir = new TempDir();

        // the source writes into a Kafka channel (durable), read back by kcat: what the source committed to its channel
        var conf = dir.Write("kill.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = kafka
            a1.sources.r1.channels = c1
            a1.sources.r1.kafka.bootstrap.servers = {_kafka.BootstrapServers}
            a1.sources.r1.kafka.topics = src-kill
            a1.sources.r1.kafka.consumer.group.id = g-kill
            a1.sources.r1.kafka.consumer.auto.offset.reset = earliest
            a1.sources.r1.batchSize = {BatchSize}
            a1.sources.r1.batchDurationMillis = 100
            a1.sources.r1.kafka.consumer.session.timeout.ms = 3000
            a1.sources.r1.kafka.consumer.heartbeat.interval.ms = 500
            a1.channels.c1.type = kafka
            a1.channels.c1.kafka.bootstrap.servers = {_kafka.BootstrapServers}
            a1.channels.c1.kafka.topic = src-kill-channel
            a1.channels.c1.parseAsFlumeEvent = false
            a1.sinks.k1.type = null
            a1.sinks.k1.channel = c1
            """);
        var first = FlumeProcess.StartAgent(conf);
        try
        {
            Retry.Until(() => _kafka.ReadWithKcat("src-kill-channel").Count > 0, Deadline, () => $"nothing reached the channel\n{first.Tail()}");
            first.Signal(9);
            Assert.True(first.WaitForExit(TimeSpan.FromSeconds(10)));
            Assert.InRange(_kafka.ReadWithKcat("src-kill-channel").Count, 1, Before - 1); // killed mid-stream
        }
        finally
        {
            first.Dispose();
        }

        _kafka.ProduceWithKcat("src-kill", Enumerable.Range(Before, Total - Before).Select(i => $"m{i:D5}"));
        using var second = FlumeProcess.StartAgent(conf);
        List<string> bodies = [];
        Retry.Until(
            () => (bodies = [.. _kafka.ReadWithKcat("src-kill-channel", "%s\\n")]).Distinct().Count() == Total,
            Deadline,
            () => $"{bodies.Distinct().Count()} of {Total} distinct records in the channel\n{second.Tail()}");
        Assert.Equal(Enumerable.Range(0, Total).Select(i => $"m{i:D5}"), bodies.Distinct().Order(StringComparer.Ordinal));
        Assert.InRange(bodies.Count - Total, 0, BatchSize);
    }

    [Fact]
    public void Source_Rebalance_WhenASecondAgentJoins_LosesNothing_AndRepeatsAtMostOneBatch()
    {
        const int BatchSize = 100;
        const int Total = 3000;
        _kafka.CreateTopic("src-rebal", 2);
        _kafka.CreateTopic("src-rebal-out", 1);
        _kafka.ProduceWithKcat("src-rebal", Enumerable.Range(0, Total / 2).Select(i => $"k{i % 10}:r{i:D5}"), keyed: true);
        using var dir = new TempDir();
        var conf = dir.Write("rebal.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = kafka
            a1.sources.r1.channels = c1
            a1.sources.r1.kafka.bootstrap.servers = {_kafka.BootstrapServers}
            a1.sources.r1.kafka.topics = src-rebal
            a1.sources.r1.kafka.consumer.group.id = g-rebal
            a1.sources.r1.kafka.consumer.heartbeat.interval.ms = 500
            a1.sources.r1.kafka.consumer.auto.offset.reset = earliest
            a1.sources.r1.batchSize = {BatchSize}
            a1.sources.r1.batchDurationMillis = 100
            a1.channels.c1.type = kafka
            a1.channels.c1.kafka.bootstrap.servers = {_kafka.BootstrapServers}
            a1.channels.c1.kafka.topic = src-rebal-out
            a1.channels.c1.parseAsFlumeEvent = false
            a1.sinks.k1.type = null
            a1.sinks.k1.channel = c1
            """);
        using var first = FlumeProcess.StartAgent(conf);
        Retry.Until(() => _kafka.ReadWithKcat("src-rebal-out").Count > 0, Deadline, () => $"nothing reached the channel\n{first.Tail()}");

        // a second agent joins the group: the partitions are shared out again while records keep coming
        using var second = FlumeProcess.StartAgent(conf);
        _kafka.ProduceWithKcat("src-rebal", Enumerable.Range(Total / 2, Total / 2).Select(i => $"k{i % 10}:r{i:D5}"), keyed: true);
        List<string> bodies = [];
        Retry.Until(
            () => (bodies = [.. _kafka.ReadWithKcat("src-rebal-out", "%s\\n")]).Distinct().Count() == Total,
            Deadline,
            () => $"{bodies.Distinct().Count()} of {Total} distinct records\n{first.Tail(20)}\n{second.Tail(20)}");
        first.WaitForLine("revoked.", Deadline);
        second.WaitForLine("assigned.", Deadline);
        Assert.InRange(bodies.Count - Total, 0, BatchSize);
    }

    [Fact]
    public void Channel_RoundTrip_KeepsHeadersAndBodies()
    {
        _kafka.CreateTopic("chan-rt", 3);
        using var dir = new TempDir();
        var input = dir.Write("in.txt", string.Join('\n', Enumerable.Range(0, 500).Select(i => $"c{i:D3}")) + "\n");
        var conf = dir.Write("chan.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = exec
            a1.sources.r1.command = cat {input}
            a1.sources.r1.channels = c1
            a1.sources.r1.interceptors = i1
            a1.sources.r1.interceptors.i1.type = static
            a1.sources.r1.interceptors.i1.key = dc
            a1.sources.r1.interceptors.i1.value = east
            a1.channels.c1.type = org.apache.flume.channel.kafka.KafkaChannel
            a1.channels.c1.kafka.bootstrap.servers = {_kafka.BootstrapServers}
            a1.channels.c1.kafka.topic = chan-rt
            a1.channels.c1.kafka.consumer.group.id = g-chan
            a1.sinks.k1.type = logger
            a1.sinks.k1.channel = c1
            """);
        using var agent = FlumeProcess.StartAgent(conf);
        Collector.WaitForBodies(agent, 500, Deadline);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"c{i:D3}"), LoggerLines.Bodies(agent.Lines).Order(StringComparer.Ordinal));
        Assert.All(agent.Lines.Where(l => l.Contains("body:", StringComparison.Ordinal)), l => Assert.Contains("dc=east", l, StringComparison.Ordinal));

        // the topic holds Flume events in Avro (an independent client sees 500 records whose bytes end with the body)
        var records = _kafka.ReadWithKcat("chan-rt", "%s\\n");
        Assert.Equal(500, records.Count);
        Assert.All(records, r => Assert.Contains("east", r, StringComparison.Ordinal));
    }

    [Fact]
    public void Sink_InjectedBrokerErrorsAndBrokerDown_LoseNothing_OneLinePerFault()
    {
        _kafka.CreateTopic("sink-faults", 1);
        using var dir = new TempDir();
        var fifo = dir.File("in.txt");
        var conf = dir.Write("faults.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = exec
            a1.sources.r1.command = tail -F {fifo}
            a1.sources.r1.channels = c1
            a1.channels.c1.type = memory
            a1.channels.c1.capacity = 10000
            a1.sinks.k1.type = kafka
            a1.sinks.k1.channel = c1
            a1.sinks.k1.kafka.bootstrap.servers = {_kafka.BootstrapServers}
            a1.sinks.k1.kafka.topic = sink-faults
            a1.sinks.k1.kafka.producer.retry.backoff.ms = 50
            a1.sinks.k1.kafka.producer.reconnect.backoff.max.ms = 500
            """);
        File.WriteAllText(fifo, string.Empty);
        using var agent = FlumeProcess.StartAgent(conf);
        File.AppendAllText(fifo, "warm-up\n");
        Retry.Until(() => _kafka.ReadWithKcat("sink-faults").Count == 1, Deadline, () => $"warm-up record missing\n{agent.Tail()}");

        // a Produce request refused with a non-retriable error (TOPIC_AUTHORIZATION_FAILED = 29) fails its batch, which
        // is rolled back into the channel and sent again after the runner's pause
        _kafka.InjectErrors(KafkaMockCluster.ApiProduce, 29);
        File.AppendAllText(fifo, string.Concat(Enumerable.Range(0, 100).Select(i => $"e{i:D3}\n")));
        Retry.Until(() => _kafka.ReadWithKcat("sink-faults").Select(l => l.Split('|')[2]).Distinct().Count() == 101, Deadline, () => $"records missing after injected errors\n{agent.Tail()}");
        Assert.Equal(1, agent.CountLines("Failed to publish events"));

        // the broker goes down: one WARN naming the servers, the events wait in the channel, and flow when it is back
        _kafka.SetBrokerDown(true);
        File.AppendAllText(fifo, string.Concat(Enumerable.Range(0, 100).Select(i => $"d{i:D3}\n")));
        agent.WaitForLine($"Kafka brokers {_kafka.BootstrapServers} not available", Deadline);
        _kafka.SetBrokerDown(false);
        Retry.Until(() => _kafka.ReadWithKcat("sink-faults").Select(l => l.Split('|')[2]).Distinct().Count() == 201, Deadline, () => $"records missing after the broker came back\n{agent.Tail()}");
        Assert.Equal(1, agent.CountLines("not available"));
        Assert.Empty(agent.StackFrameLines());
        Assert.False(agent.HasExited);

        // Flume's KafkaSinkCounter: one rollback per failed batch
        agent.Signal(15);
        agent.WaitForLine("Kafka Sink k1 stopped. Metrics:", Deadline);
        Assert.Equal(1, agent.CountLines($"channel.rollback.count={agent.CountLines("Unable to deliver event: Failed to publish events")}"));
    }
}
