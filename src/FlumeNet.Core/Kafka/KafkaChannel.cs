using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FlumeNet.Avro;
using FlumeNet.Channels;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Kafka;

/// <summary>
/// Flume's KafkaChannel (<c>org.apache.flume.channel.kafka.KafkaChannel</c>, FlumeNet alias <c>kafka</c>): the events
/// live in a Kafka topic. A put transaction produces its records at commit and commits only when Kafka acknowledged all
/// of them; a take transaction reads through a consumer of the group (one per concurrent taker, from a pool) and commits
/// the offsets of what it took at its commit; a rolled-back take is redelivered from memory first. Durable: what was
/// committed survives the process.
/// </summary>
internal sealed class KafkaChannel : IChannel, IChannelBacklog, IMetered
{
    public const string ClassName = "org.apache.flume.channel.kafka.KafkaChannel";

    private readonly ILogger _logger;
    private readonly KafkaFaultLog _faults;
    private readonly KafkaChannelCounter _counter;
    private readonly Dictionary<string, string> _producerConfig;
    private readonly Dictionary<string, string> _consumerConfig;
    private readonly string _servers;
    private readonly string _topic;
    private readonly bool _parseAsFlumeEvent;
    private readonly TimeSpan _pollTimeout;
    private readonly int? _defaultPartition;
    private readonly string? _partitionHeader;
    private readonly ConcurrentBag<Taker> _idleTakers = new();
    private readonly ConcurrentDictionary<Taker, byte> _allTakers = new();
    private IProducer<byte[]?, byte[]>? _producer;

    public KafkaChannel(string name, ComponentContext ctx, BuildServices services)
    {
        Name = name;
        _logger = services.Loggers.CreateLogger(ClassName);
        ctx.MarkKnown("type");
        _servers = KafkaClientProperties.Bootstrap(ctx);
        _faults = new KafkaFaultLog(_logger, $"Kafka channel {name}", _servers, services.Time);
        var topic = KafkaClientProperties.Deprecated(ctx, "topic", "kafka.topic");
        if (string.IsNullOrWhiteSpace(topic))
        {
            _logger.LogInformation("Topic was not specified. Using flume-channel as the topic.");
            topic = "flume-channel";
        }

        _topic = topic.Trim();
        var group = KafkaClientProperties.Deprecated(ctx, "groupId", "kafka.consumer.group.id");
        if (string.IsNullOrWhiteSpace(group))
        {
            _logger.LogInformation("Group ID was not specified. Using flume as the group id.");
            group = "flume";
        }

        _parseAsFlumeEvent = ctx.GetBool("parseAsFlumeEvent", true);
        var pollKey = ctx.Contains("kafka.pollTimeout") || !ctx.Contains("pollTimeout") ? "kafka.pollTimeout" : "pollTimeout";
        _pollTimeout = TimeSpan.FromMilliseconds(Math.Max(0, ctx.GetLong(pollKey, 500)));
        _defaultPartition = KafkaClientProperties.OptionalInt(ctx, "defaultPartitionId");
        _partitionHeader = ctx.GetString("partitionIdHeader");
        var offsetReset = "earliest";
        if (ctx.GetString("readSmallestOffset") is { } smallest)
        {
            ctx.Warn("readSmallestOffset", "readSmallestOffset is deprecated. Please use the parameter kafka.consumer.auto.offset.reset");
            offsetReset = smallest.Trim().Equals("true", StringComparison.OrdinalIgnoreCase) ? "earliest" : "latest";
        }

        _producerConfig = KafkaClientProperties.Build(
            ctx,
            "kafka.producer.",
            _servers,
            new Dictionary<string, string> { ["acks"] = "all", ["partitioner"] = "murmur2_random", ["message.timeout.ms"] = "120000", ["client.id"] = "flume-" + name },
            new Dictionary<string, string>());
        _consumerConfig = KafkaClientProperties.Build(
            ctx,
            "kafka.consumer.",
            _servers,
            new Dictionary<string, string> { ["auto.offset.reset"] = offsetReset, ["session.timeout.ms"] = "10000", ["isolation.level"] = "read_uncommitted", ["client.id"] = "flume-" + name },
            new Dictionary<string, string> { ["group.id"] = group.Trim(), ["enable.auto.commit"] = "false", ["enable.auto.offset.store"] = "false" });
        KafkaClientProperties.Validate(ctx, "kafka.producer.", _producerConfig, producer: true);
        KafkaClientProperties.Validate(ctx, "kafka.consumer.", _consumerConfig, producer: false);
        _counter = services.Metrics.Register(new KafkaChannelCounter(name, services.Time));
    }

    public string Name { get; }

    public LifecycleState State { get; private set; } = LifecycleState.Idle;

    public CounterGroup Counters => _counter;

    /// <summary>Not known without asking the brokers; the events are in Kafka, so nothing is lost at stop.</summary>
    public long Backlog => 0;

    public bool IsDurable => true;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Starting Kafka Channel: {Name}", Name);
        _counter.Start();
        _producer = new ProducerBuilder<byte[]?, byte[]>(_producerConfig)
            .SetErrorHandler((_, e) => _faults.OnError(e))
            .SetLogHandler((_, m) => _faults.OnLog(m))
            .Build();
        _logger.LogInformation("Topic = {Topic}", _topic);
        State = LifecycleState.Start;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        State = LifecycleState.Stop;
        foreach (var t in _allTakers.Keys)
        {
            t.Dispose();
        }

        _allTakers.Clear();
        _idleTakers.Clear();
        var p = Interlocked.Exchange(ref _producer, null);
        if (p is not null)
        {
            p.Flush(TimeSpan.FromSeconds(5));
            p.Dispose();
        }

        _counter.Stop();
        _logger.LogInformation("Kafka channel {Name} stopped. Metrics: {Metrics}", Name, _counter);
        return Task.CompletedTask;
    }

    public ITransaction BeginTransaction() => new KafkaTransaction(this);

    /// <summary>Takes poll Kafka themselves (up to the poll timeout), so a sink waiting for work need not wait here too.</summary>
    public ValueTask WaitForEventsAsync(TimeSpan timeout, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    private Taker RentTaker()
    {
        if (_idleTakers.TryTake(out var t))
        {
            return t;
        }

        _logger.LogInformation("Created new consumer to connect to Kafka");
        t = new Taker(this);
        _allTakers[t] = 0;
        return t;
    }

    private void ReturnTaker(Taker t)
    {
        if (State == LifecycleState.Start)
        {
            _idleTakers.Add(t);
        }
        else if (_allTakers.TryRemove(t, out _))
        {
            t.Dispose();
        }
    }

    /// <summary>One consumer of the group with what its transactions took and have not committed.</summary>
    private sealed class Taker : IDisposable
    {
        private readonly KafkaChannel _channel;
        private readonly IConsumer<byte[]?, byte[]> _consumer;

        public Taker(KafkaChannel channel)
        {
            _channel = channel;
            _consumer = new ConsumerBuilder<byte[]?, byte[]>(channel._consumerConfig)
                .SetErrorHandler((_, e) => channel._faults.OnError(e))
                .SetLogHandler((_, m) => channel._faults.OnLog(m))
                .SetPartitionsRevokedHandler((_, parts) => OnRevoked(parts))
                .SetPartitionsLostHandler((_, parts) => OnRevoked(parts))
                .Build();
            _consumer.Subscribe(channel._topic);
        }

        /// <summary>Events of rolled-back take transactions, handed out again before new records.</summary>
        public Queue<Event> RolledBack { get; } = new();

        /// <summary>Offset + 1 of every record taken and not yet committed, per partition.</summary>
        public Dictionary<TopicPartition, TopicPartitionOffset> Pending { get; } = new();

        public bool Revoked { get; set; }

        public ConsumeResult<byte[]?, byte[]>? Poll(TimeSpan timeout) => _consumer.Consume(timeout);

        public void Commit()
        {
            if (Pending.Count == 0)
            {
                return;
            }

            try
            {
                _consumer.Commit(Pending.Values);
            }
            catch (KafkaException ex)
            {
                _channel._logger.LogInformation("Error committing offsets. {Reason}", ex.Error.Reason);
            }

            Pending.Clear();
        }

        public void Dispose()
        {
            try
            {
                _consumer.Close();
            }
            catch (Exception ex) when (ex is KafkaException or InvalidOperationException)
            {
                _channel._logger.LogDebug("Kafka channel {Name}: closing a consumer: {Reason}", _channel.Name, ex.Message);
            }

            _consumer.Dispose();
        }

        private void OnRevoked(List<TopicPartitionOffset> parts)
        {
            foreach (var p in parts)
            {
                _channel._logger.LogInformation("topic {Topic} - partition {Partition} revoked.", p.Topic, p.Partition.Value);
            }

            // the new owner reads these partitions again from the committed offset
            Revoked = true;
            RolledBack.Clear();
            Pending.Clear();
        }
    }

    private sealed class KafkaTransaction : BasicTransaction
    {
        private readonly KafkaChannel _channel;
        private readonly List<Message<byte[]?, byte[]>> _puts = new();
        private readonly List<int?> _putPartitions = new();
        private readonly List<Event> _taken = new();
        private PooledBufferWriter? _buffer;
        private Taker? _taker;

        public KafkaTransaction(KafkaChannel channel)
        {
            _channel = channel;
        }

        protected override void DoPut(Event e)
        {
            var ch = _channel;
            ch._counter.AddPutAttempt(1);
            var partition = ch._defaultPartition;
            if (ch._partitionHeader is not null && e.Headers.TryGetValue(ch._partitionHeader, out var p))
            {
                partition = int.TryParse(p.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id)
                    ? id
                    : throw new ChannelException($"Non integer partition id specified: '{p}' in header {ch._partitionHeader}");
            }

            byte[] value;
            try
            {
                value = ch._parseAsFlumeEvent ? KafkaEventFormat.Encode(e, _buffer ??= new PooledBufferWriter()) : e.BodyArray;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new ChannelException("Error while serializing event", ex);
            }

            _puts.Add(new Message<byte[]?, byte[]>
            {
                Key = e.Headers.TryGetValue("key", out var key) ? Encoding.UTF8.GetBytes(key) : null,
                Value = value,
            });
            _putPartitions.Add(partition);
        }

        protected override Event? DoTake()
        {
            var ch = _channel;
            var taker = _taker ??= ch.RentTaker();
            if (taker.Revoked)
            {
                return null;
            }

            if (taker.RolledBack.TryDequeue(out var again))
            {
                _taken.Add(again);
                return again;
            }

            var started = Environment.TickCount64;
            try
            {
                // the first take of a transaction may wait for records; later ones take only what has already arrived
                while (true)
                {
                    ConsumeResult<byte[]?, byte[]>? r;
                    try
                    {
                        r = taker.Poll(_taken.Count == 0 ? ch._pollTimeout : TimeSpan.Zero);
                    }
                    catch (ConsumeException ex) when (!ex.Error.IsFatal)
                    {
                        ch._faults.Problem(ex.Error.Reason);
                        return null;
                    }

                    if (taker.Revoked || r is null)
                    {
                        return null;
                    }

                    if (r.IsPartitionEOF || r.Message is null)
                    {
                        continue;
                    }

                    ch._faults.Recovered();
                    taker.Pending[r.TopicPartition] = new TopicPartitionOffset(r.TopicPartition, r.Offset + 1);
                    ch._counter.AddTakeAttempt(1);
                    var e = ToEvent(r);
                    _taken.Add(e);
                    return e;
                }
            }
            finally
            {
                ch._counter.AddGetTime(Environment.TickCount64 - started);
            }
        }

        protected override void DoCommit()
        {
            var ch = _channel;
            if (_puts.Count > 0)
            {
                CommitPuts(ch);
            }

            if (_taker is { } taker)
            {
                if (_taken.Count > 0 && taker.RolledBack.Count == 0)
                {
                    var started = Environment.TickCount64;
                    taker.Commit();
                    ch._counter.AddCommitTime(Environment.TickCount64 - started);
                }

                ch._counter.AddTakeSuccess(_taken.Count);
            }
        }

        protected override void DoRollback()
        {
            _puts.Clear();
            _putPartitions.Clear();
            if (_taker is { } taker && _taken.Count > 0)
            {
                if (!taker.Revoked)
                {
                    // keep the order: these come before anything rolled back earlier and still queued
                    var rest = taker.RolledBack.ToArray();
                    taker.RolledBack.Clear();
                    foreach (var e in _taken.Concat(rest))
                    {
                        taker.RolledBack.Enqueue(e);
                    }
                }

                _channel._counter.AddRollback(_taken.Count);
            }

            _taken.Clear();
        }

        protected override void DoClose()
        {
            _buffer?.Dispose();
            if (_taker is { } taker)
            {
                taker.Revoked = false;
                _channel.ReturnTaker(taker);
                _taker = null;
            }
        }

        private void CommitPuts(KafkaChannel ch)
        {
            var producer = ch._producer ?? throw new ChannelException($"Kafka channel {ch.Name} is not started");
            var started = Environment.TickCount64;
            using var done = new CountdownEvent(_puts.Count);
            Error? failure = null;
            void OnDelivery(DeliveryReport<byte[]?, byte[]> report)
            {
                if (report.Error.IsError)
                {
                    Interlocked.CompareExchange(ref failure, report.Error, null);
                }

                done.Signal();
            }

            for (var i = 0; i < _puts.Count; i++)
            {
                var tp = new TopicPartition(ch._topic, _putPartitions[i] is { } id ? new Partition(id) : Partition.Any);
                while (true)
                {
                    try
                    {
                        producer.Produce(tp, _puts[i], OnDelivery);
                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(100));
                    }
                    catch (Exception ex)
                    {
                        for (var j = i; j < _puts.Count; j++)
                        {
                            done.Signal();
                        }

                        done.Wait();
                        ch._logger.LogWarning("Sending events to Kafka failed: {Reason}", SinkRunner.Describe(ex));
                        throw new ChannelException("Commit failed as send to Kafka failed", ex);
                    }
                }
            }

            done.Wait();
            if (failure is { } err)
            {
                ch._logger.LogWarning("Sending events to Kafka failed: {Reason}", err.Reason);
                throw new ChannelException("Commit failed as send to Kafka failed", new KafkaException(err));
            }

            ch._faults.Recovered();
            ch._counter.AddPutSuccess(_puts.Count);
            ch._counter.AddSendTime(Environment.TickCount64 - started);
            _puts.Clear();
            _putPartitions.Clear();
        }

        private Event ToEvent(ConsumeResult<byte[]?, byte[]> r)
        {
            var value = r.Message.Value ?? [];
            Event e;
            if (_channel._parseAsFlumeEvent)
            {
                try
                {
                    e = KafkaEventFormat.Decode(value);
                }
                catch (FormatException ex)
                {
                    _channel._logger.LogWarning("Error while getting events from Kafka. This is usually caused by trying to read a non-flume event. Ensure the setting for parseAsFlumeEvent is correct");
                    throw new ChannelException("Error while getting events from Kafka", ex);
                }
            }
            else
            {
                e = new Event(new Dictionary<string, string>(StringComparer.Ordinal), value);
            }

            if (r.Message.Key is { } key)
            {
                e.Headers["key"] = Encoding.UTF8.GetString(key);
            }

            return e;
        }
    }
}
