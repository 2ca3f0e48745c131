using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using FlumeNet.Sources;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Kafka;

/// <summary>
/// Flume's KafkaSource (<c>org.apache.flume.source.kafka.KafkaSource</c>, FlumeNet alias <c>kafka</c>): a pollable
/// source that gathers up to <c>batchSize</c> records or <c>batchDurationMillis</c>, writes them to its channels in one
/// batch, and only then commits the records' offsets (at-least-once: a crash or a rebalance repeats at most the batch
/// whose offsets were not committed). Offsets are never committed automatically.
/// </summary>
internal sealed class KafkaSource : SourceBase, IPollableSource, IBatchingComponent, IMetered
{
    public const string ClassName = "org.apache.flume.source.kafka.KafkaSource";

    private readonly ILogger _logger;
    private readonly KafkaFaultLog _faults;
    private readonly KafkaSourceCounter _counter;
    private readonly Dictionary<string, string> _clientConfig;
    private readonly string _servers;
    private readonly List<string> _topics = new();
    private readonly string? _topicPattern;
    private readonly int _batchDurationMs;
    private readonly bool _useFlumeEventFormat;
    private readonly bool _setTopicHeader;
    private readonly string _topicHeader;
    private readonly KeyValuePair<string, string>[] _headerCopies;

    // The batch being gathered: events written to the channel together, then the offsets committed.
    private readonly List<Event> _events = new();
    private readonly Dictionary<TopicPartition, TopicPartitionOffset> _offsets = new();
    private IConsumer<byte[]?, byte[]>? _consumer;
    private bool _revoked;

    public KafkaSource(string name, ChannelProcessor processor, ComponentContext ctx, BuildServices services)
        : base(name, processor)
    {
        _logger = services.Loggers.CreateLogger(ClassName);
        ctx.MarkKnown("type", "channels", "selector.type", "interceptors", "backoffSleepIncrement", "maxBackoffSleep");
        _servers = KafkaClientProperties.Bootstrap(ctx);
        _faults = new KafkaFaultLog(_logger, $"Kafka source {name}", _servers, services.Time);
        var regex = ctx.GetString("kafka.topics.regex");
        var topics = ctx.GetString("kafka.topics");
        if (ctx.GetString("topic") is { } oldTopic)
        {
            ctx.Warn("topic", "topic is deprecated. Please use the parameter kafka.topics");
            topics ??= oldTopic;
        }

        if (!string.IsNullOrWhiteSpace(regex))
        {
            _topicPattern = "^(" + regex.Trim() + ")$";
        }
        else if (!string.IsNullOrWhiteSpace(topics))
        {
            _topics.AddRange(topics.Split(',').Select(t => t.Trim()).Where(t => t.Length > 0));
        }

        if (_topicPattern is null && _topics.Count == 0)
        {
            ctx.Error("kafka.topics", "At least one Kafka topic must be specified.");
        }

        var group = ctx.GetString("kafka.consumer.group.id");
        if (ctx.GetString("groupId") is { } oldGroup)
        {
            ctx.Warn("groupId", "groupId is deprecated. Please use the parameter kafka.consumer.group.id");
            group ??= oldGroup;
        }

        if (string.IsNullOrWhiteSpace(group))
        {
            _logger.LogInformation("Group ID was not specified. Using flume as the group id.");
            group = "flume";
        }

        BatchSize = ctx.GetInt("batchSize", 1000);
        if (BatchSize < 1)
        {
            ctx.Error("batchSize", $"must be greater than 0 (got {BatchSize})");
        }

        _batchDurationMs = ctx.GetInt("batchDurationMillis", 1000);
        if (_batchDurationMs < 1)
        {
            ctx.Error("batchDurationMillis", $"must be greater than 0 (got {_batchDurationMs})");
        }

        _useFlumeEventFormat = ctx.GetBool("useFlumeEventFormat", false);
        _setTopicHeader = ctx.GetBool("setTopicHeader", true);
        _topicHeader = ctx.GetString("topicHeader", "topic")!;
        _headerCopies = [.. ctx.GetSubProperties("header.").OrderBy(kv => kv.Key, StringComparer.Ordinal)];
        foreach (var old in new[] { "zookeeperConnect", "migrateZookeeperOffsets" })
        {
            if (ctx.Contains(old))
            {
                ctx.Warn(old, "ZooKeeper-based Kafka settings are not supported; set kafka.bootstrap.servers (offsets kept in ZooKeeper are not migrated)");
            }
        }

        _clientConfig = KafkaClientProperties.Build(
            ctx,
            "kafka.consumer.",
            _servers,
            new Dictionary<string, string>
            {
                ["auto.offset.reset"] = "latest",
                ["session.timeout.ms"] = "10000",
                ["isolation.level"] = "read_uncommitted",
                ["client.id"] = "flume-" + name,
            },
            new Dictionary<string, string>
            {
                ["group.id"] = group.Trim(),
                ["enable.auto.commit"] = "false",
                ["enable.auto.offset.store"] = "false",
            });
        KafkaClientProperties.Validate(ctx, "kafka.consumer.", _clientConfig, producer: false, _topicPattern);
        _counter = services.Metrics.Register(new KafkaSourceCounter(name, services.Time));
    }

    public string BatchSizeKey => "batchSize";

    public int BatchSize { get; }

    public CounterGroup Counters => _counter;

    public ValueTask<SourceStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        var consumer = _consumer ?? throw new InvalidOperationException("Source had error configuring or starting");
        try
        {
            Gather(consumer, cancellationToken);
            var gathered = _events.Count;
            if (gathered > 0 || _offsets.Count > 0)
            {
                // also when only offsets are left: those of a batch whose commit failed after the channel took it
                WriteAndCommit(consumer);
            }

            return ValueTask.FromResult(gathered > 0 ? SourceStatus.Ready : SourceStatus.Backoff);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (ex is ChannelException)
            {
                _counter.AddChannelWriteFail();
            }
            else
            {
                _counter.AddEventReadFail();
            }

            _logger.LogError("KafkaSource EXCEPTION, {Exception}", $"{ex.GetType().FullName}: {SinkRunner.Describe(ex)}");
            return ValueTask.FromResult(SourceStatus.Backoff);
        }
    }

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Starting {Class}{{name:{Name},state:IDLE}}...", ClassName, Name);
        _counter.Start();
        _events.Clear();
        _offsets.Clear();
        try
        {
            var consumer = new ConsumerBuilder<byte[]?, byte[]>(_clientConfig)
                .SetErrorHandler((_, e) => _faults.OnError(e))
                .SetLogHandler((_, m) => _faults.OnLog(m))
                .SetPartitionsAssignedHandler((_, parts) =>
                {
                    foreach (var p in parts)
                    {
                        _logger.LogInformation("topic {Topic} - partition {Partition} assigned.", p.Topic, p.Partition.Value);
                    }
                })
                .SetPartitionsRevokedHandler((c, parts) => OnRevoked(c, parts))
                .SetPartitionsLostHandler((c, parts) => OnRevoked(c, parts))
                .Build();
            if (_topicPattern is not null)
            {
                consumer.Subscribe(_topicPattern);
            }
            else
            {
                consumer.Subscribe(_topics);
            }

            _consumer = consumer;
        }
        catch (Exception ex)
        {
            _logger.LogError("Unexpected error performing start: name = {Name}: {Reason}", Name, SinkRunner.Describe(ex));
            throw;
        }

        _logger.LogInformation("Kafka source {Name} started. Bootstrap servers: {Servers}, {What}", Name, _servers, _topicPattern is null ? "topics " + string.Join(",", _topics) : "topic pattern " + _topicPattern);
        return Task.CompletedTask;
    }

    protected override Task OnStopAsync(CancellationToken cancellationToken)
    {
        var c = Interlocked.Exchange(ref _consumer, null);
        if (c is not null)
        {
            try
            {
                c.Close();
            }
            catch (Exception ex) when (ex is KafkaException or InvalidOperationException)
            {
                _logger.LogDebug("Kafka source {Name}: closing the consumer: {Reason}", Name, ex.Message);
            }

            c.Dispose();
        }

        _counter.Stop();
        _logger.LogInformation("Kafka Source {Name} stopped. Metrics: {Metrics}", Name, _counter);
        return Task.CompletedTask;
    }

    /// <summary>Polls until the batch is full, the batch duration passed, a poll came back empty, or a rebalance revoked partitions.</summary>
    private void Gather(IConsumer<byte[]?, byte[]> consumer, CancellationToken cancellationToken)
    {
        if (_events.Count >= BatchSize)
        {
            return; // a batch the channel refused: retry it before polling more
        }

        var started = Environment.TickCount64;
        _revoked = false;
        while (_events.Count < BatchSize && !_revoked && !cancellationToken.IsCancellationRequested)
        {
            var remaining = _batchDurationMs - (Environment.TickCount64 - started);
            if (remaining <= 0)
            {
                break;
            }

            ConsumeResult<byte[]?, byte[]>? result;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(remaining));
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal)
            {
                // e.g. a subscribed topic that does not exist (yet): reported like a broker fault, not once per poll
                _faults.Problem(ex.Error.Reason);
                break;
            }

            if (result is null)
            {
                _counter.AddEmpty();
                break;
            }

            if (result.IsPartitionEOF || result.Message is null)
            {
                continue;
            }

            _faults.Recovered();
            var e = ToEvent(result);
            var tp = result.TopicPartition;
            _offsets[tp] = new TopicPartitionOffset(tp, result.Offset + 1);
            if (e is not null)
            {
                _events.Add(e);
            }
        }

        _counter.AddGetTime(Environment.TickCount64 - started);
    }

    private Event? ToEvent(ConsumeResult<byte[]?, byte[]> r)
    {
        var value = r.Message.Value ?? [];
        Event e;
        if (_useFlumeEventFormat)
        {
            try
            {
                e = KafkaEventFormat.Decode(value);
            }
            catch (FormatException ex)
            {
                _logger.LogWarning("Kafka source {Name}: skipping the record at {Topic}-{Partition}@{Offset}: {Reason}", Name, r.Topic, r.Partition.Value, r.Offset.Value, ex.Message);
                return null;
            }
        }
        else
        {
            e = new Event(new Dictionary<string, string>(StringComparer.Ordinal), value);
        }

        var h = e.Headers;
        if (!h.ContainsKey("timestamp") && r.Message.Timestamp.Type != TimestampType.NotAvailable)
        {
            h["timestamp"] = r.Message.Timestamp.UnixTimestampMs.ToString(CultureInfo.InvariantCulture);
        }

        if (_headerCopies.Length > 0 && r.Message.Headers is { } kh)
        {
            foreach (var (flumeHeader, kafkaHeader) in _headerCopies)
            {
                if (kh.TryGetLastBytes(kafkaHeader, out var bytes))
                {
                    h[flumeHeader] = Encoding.UTF8.GetString(bytes);
                }
            }
        }

        if (_setTopicHeader)
        {
            h.TryAdd(_topicHeader, r.Topic);
        }

        h.TryAdd("partition", r.Partition.Value.ToString(CultureInfo.InvariantCulture));
        h.TryAdd("offset", r.Offset.Value.ToString(CultureInfo.InvariantCulture));
        if (r.Message.Key is { } key)
        {
            h["key"] = Encoding.UTF8.GetString(key);
        }

        return e;
    }

    /// <summary>Writes the gathered batch to the channels, then commits its offsets; the batch is kept for a retry when the channel refuses it.</summary>
    private void WriteAndCommit(IConsumer<byte[]?, byte[]> consumer)
    {
        if (_events.Count > 0)
        {
            _counter.AddEventReceived(_events.Count);
            Processor.ProcessEventBatch(_events);
            _counter.AddEventAccepted(_events.Count);
            _events.Clear();
        }

        if (_offsets.Count > 0)
        {
            var started = Environment.TickCount64;
            consumer.Commit(_offsets.Values);
            _offsets.Clear();
            _counter.AddCommitTime(Environment.TickCount64 - started);
        }
    }

    /// <summary>
    /// Partitions are taken away: what was gathered is written and committed now, while this consumer still owns
    /// the partitions; whatever cannot be is dropped here and read again by the new owner from the committed offset.
    /// </summary>
    private void OnRevoked(IConsumer<byte[]?, byte[]> consumer, List<TopicPartitionOffset> parts)
    {
        foreach (var p in parts)
        {
            _logger.LogInformation("topic {Topic} - partition {Partition} revoked.", p.Topic, p.Partition.Value);
        }

        _revoked = true;
        try
        {
            WriteAndCommit(consumer);
        }
        catch (Exception ex) when (ex is ChannelException or KafkaException)
        {
            _logger.LogWarning("Kafka source {Name}: the batch gathered before the rebalance was not committed ({Reason}); its records will be read again", Name, SinkRunner.Describe(ex));
        }
        finally
        {
            _events.Clear();
            _offsets.Clear();
        }
    }
}
