using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FlumeNet.Avro;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using FlumeNet.Runtime;
using FlumeNet.Sinks;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Kafka;

/// <summary>
/// Flume's KafkaSink (<c>org.apache.flume.sink.kafka.KafkaSink</c>, FlumeNet alias <c>kafka</c>): one channel
/// transaction per batch of <c>flumeBatchSize</c> events, each sent as a record as it is taken; the transaction commits
/// only after Kafka acknowledged every record of the batch. Any failed record rolls the whole batch back (records
/// already stored stay: at-least-once) and raises <see cref="EventDeliveryException"/>.
/// </summary>
internal sealed class KafkaSink : SinkBase, IBatchingComponent, IMetered
{
    public const string ClassName = "org.apache.flume.sink.kafka.KafkaSink";
    private const string DefaultTopic = "default-flume-topic";
    private static readonly TimeSpan FlushSlice = TimeSpan.FromMilliseconds(250);
    private static readonly IDictionary<string, string> NoHeaders = new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    private readonly ILogger _logger;
    private readonly KafkaFaultLog _faults;
    private readonly KafkaSinkCounter _counter;
    private readonly Dictionary<string, string> _clientConfig;
    private readonly string _servers;
    private readonly string _topic;
    private readonly bool _topicHasEscapes;
    private readonly bool _allowTopicOverride;
    private readonly string _topicHeader;
    private readonly bool _useFlumeEventFormat;
    private readonly int? _defaultPartition;
    private readonly string? _partitionHeader;
    private readonly string? _timestampHeader;
    private readonly KeyValuePair<string, string>[] _recordHeaders;
    private readonly PooledBufferWriter _avroBuffer = new();
    private IProducer<byte[]?, byte[]>? _producer;

    public KafkaSink(string name, IChannel channel, ComponentContext ctx, BuildServices services)
        : base(name, channel)
    {
        _logger = services.Loggers.CreateLogger(ClassName);
        ctx.MarkKnown("type", "channel");
        _servers = KafkaClientProperties.Bootstrap(ctx);
        _faults = new KafkaFaultLog(_logger, $"Kafka sink {name}", _servers, services.Time);
        var topic = KafkaClientProperties.Deprecated(ctx, "topic", "kafka.topic");
        if (topic is null)
        {
            ctx.Warn("kafka.topic", $"Topic was not specified. Using {DefaultTopic} as the topic.");
        }

        _topic = string.IsNullOrWhiteSpace(topic) ? DefaultTopic : topic.Trim();
        _topicHasEscapes = _topic.Contains("%{", StringComparison.Ordinal);
        var batch = KafkaClientProperties.Deprecated(ctx, "batchSize", "flumeBatchSize");
        BatchSize = 100;
        if (batch is not null && (!int.TryParse(batch.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) || b < 1))
        {
            ctx.Error(ctx.Contains("flumeBatchSize") ? "flumeBatchSize" : "batchSize", $"'{batch}' is not a positive integer");
        }
        else if (batch is not null)
        {
            BatchSize = int.Parse(batch.Trim(), CultureInfo.InvariantCulture);
        }

        _useFlumeEventFormat = ctx.GetBool("useFlumeEventFormat", false);
        _allowTopicOverride = ctx.GetBool("allowTopicOverride", true);
        _topicHeader = ctx.GetString("topicHeader", "topic")!;
        _defaultPartition = KafkaClientProperties.OptionalInt(ctx, "defaultPartitionId");
        _partitionHeader = ctx.GetString("partitionIdHeader");
        _timestampHeader = ctx.GetString("timestampHeader");
        _recordHeaders = [.. ctx.GetSubProperties("header.").OrderBy(kv => kv.Key, StringComparer.Ordinal)];
        foreach (var old in new[] { "key.serializer.class", "serializer.class" })
        {
            if (ctx.Contains(old))
            {
                var which = old.StartsWith("key", StringComparison.Ordinal) ? "key" : "value";
                ctx.Warn(old, $"{old} is deprecated. Flume now uses the latest Kafka producer which implements a different interface for serializers. Please use the parameter kafka.producer.{which}.serializer");
            }
        }

        var acks = KafkaClientProperties.Deprecated(ctx, "requiredAcks", "kafka.producer.acks") ?? "1";
        _clientConfig = KafkaClientProperties.Build(
            ctx,
            "kafka.producer.",
            _servers,
            new Dictionary<string, string>
            {
                ["acks"] = acks,
                ["partitioner"] = "murmur2_random",
                ["message.timeout.ms"] = "120000",
                ["client.id"] = "flume-" + name,
            },
            new Dictionary<string, string>());
        KafkaClientProperties.Validate(ctx, "kafka.producer.", _clientConfig, producer: true);
        _counter = services.Metrics.Register(new KafkaSinkCounter(name, services.Time));
    }

    public string BatchSizeKey => "flumeBatchSize";

    public int BatchSize { get; }

    public CounterGroup Counters => _counter;

    public override async ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        var producer = _producer ?? throw new EventDeliveryException($"Kafka sink {Name} is not started");
        using var tx = Channel.BeginTransaction();
        var taken = 0;
        var started = Environment.TickCount64;
        try
        {
            var batch = new InFlightBatch();
            while (taken < BatchSize)
            {
                Event? e;
                try
                {
                    e = tx.Take();
                }
                catch (ChannelException)
                {
                    _counter.AddChannelReadFail();
                    throw;
                }

                if (e is null)
                {
                    break;
                }

                taken++;
                Send(producer, e, batch, cancellationToken);
            }

            _counter.AddEventDrainAttempt(taken);
            _counter.CountBatch(taken, BatchSize);
            batch.AllHandedOver();

            if (taken == 0)
            {
                tx.Commit();
                return SinkStatus.Backoff;
            }

            // Flush sends what waits for linger.ms at once: the batch cannot commit before its last record is acknowledged
            while (!batch.Acknowledged.IsCompleted)
            {
                cancellationToken.ThrowIfCancellationRequested();
                producer.Flush(FlushSlice);
            }

            await batch.Acknowledged.ConfigureAwait(false);
            if (batch.FirstError is { } err)
            {
                throw new KafkaException(err);
            }

            _counter.AddEventDrainSuccess(taken);
            _counter.AddSendTime(Environment.TickCount64 - started);
            tx.Commit();
            _faults.Recovered();
            return SinkStatus.Ready;
        }
        catch (Exception ex)
        {
            tx.Rollback();
            _counter.AddRollback();
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            if (ex is not ChannelException)
            {
                _counter.AddEventWriteFail();
            }

            // one line per failed batch: the runner logs this exception with its causes
            throw new EventDeliveryException("Failed to publish events", ex);
        }
    }

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        _counter.Start();
        _producer = new ProducerBuilder<byte[]?, byte[]>(_clientConfig)
            .SetErrorHandler((_, e) => _faults.OnError(e))
            .SetLogHandler((_, m) => _faults.OnLog(m))
            .Build();
        _logger.LogInformation("Using the static topic {Topic}. This may be overridden by event headers", _topic);
        _logger.LogInformation("Kafka sink {Name} started. Bootstrap servers: {Servers}", Name, _servers);
        return Task.CompletedTask;
    }

    protected override Task OnStopAsync(CancellationToken cancellationToken)
    {
        var p = Interlocked.Exchange(ref _producer, null);
        if (p is not null)
        {
            p.Flush(TimeSpan.FromSeconds(5));
            p.Dispose();
        }

        _counter.Stop();
        _logger.LogInformation("Kafka Sink {Name} stopped. Metrics: {Metrics}", Name, _counter);
        return Task.CompletedTask;
    }

    private void Send(IProducer<byte[]?, byte[]> producer, Event e, InFlightBatch batch, CancellationToken cancellationToken)
    {
        // Read only: a header-less event is not given a dictionary of its own.
        IDictionary<string, string> headers = e.HeadersOrNull ?? NoHeaders;
        var topic = _topic;
        if (_allowTopicOverride && headers.TryGetValue(_topicHeader, out var overridden))
        {
            topic = overridden;
        }
        else if (_allowTopicOverride && _topicHasEscapes)
        {
            topic = HeaderEscapes.Replace(_topic, headers);
        }

        var partition = _defaultPartition;
        if (_partitionHeader is not null && headers.TryGetValue(_partitionHeader, out var p))
        {
            partition = int.TryParse(p.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var pid)
                ? pid
                : throw new EventDeliveryException($"Non integer partition id specified: '{p}' in header {_partitionHeader}");
        }

        var message = new Message<byte[]?, byte[]>
        {
            Key = headers.TryGetValue("key", out var key) ? Encoding.UTF8.GetBytes(key) : null,
            Value = _useFlumeEventFormat ? KafkaEventFormat.Encode(e, _avroBuffer) : e.BodyArray,
        };
        if (_timestampHeader is not null && headers.TryGetValue(_timestampHeader, out var ts))
        {
            if (long.TryParse(ts.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
            {
                message.Timestamp = new Timestamp(ms, TimestampType.CreateTime);
            }
            else
            {
                _logger.LogWarning("Invalid timestamp in header {Header} - {Value}", _timestampHeader, ts);
            }
        }

        if (_recordHeaders.Length > 0)
        {
            foreach (var (flumeHeader, kafkaHeader) in _recordHeaders)
            {
                if (headers.TryGetValue(flumeHeader, out var v))
                {
                    message.Headers ??= new Headers();
                    message.Headers.Add(kafkaHeader, Encoding.UTF8.GetBytes(v));
                }
            }
        }

        var tp = new TopicPartition(topic, partition is { } id ? new Partition(id) : Partition.Any);
        batch.Sending();
        while (true)
        {
            try
            {
                producer.Produce(tp, message, batch.OnDelivery);
                return;
            }
            catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull && !cancellationToken.IsCancellationRequested)
            {
                // the client's queue is full: let it deliver (and call back) before handing it more
                producer.Poll(TimeSpan.FromMilliseconds(100));
            }
            catch
            {
                batch.NotSent();
                throw;
            }
        }
    }

    /// <summary>
    /// One batch's records in flight. Owned by that batch only, so late acknowledgements of a batch that was already
    /// rolled back cannot disturb the next one.
    /// </summary>
    private sealed class InFlightBatch
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pending = 1; // held until every record of the batch was handed to the client
        private Error? _firstError;

        public InFlightBatch()
        {
            OnDelivery = Delivered;
        }

        public Action<DeliveryReport<byte[]?, byte[]>> OnDelivery { get; }

        public Task Acknowledged => _done.Task;

        public Error? FirstError => Volatile.Read(ref _firstError);

        public void Sending() => Interlocked.Increment(ref _pending);

        public void NotSent() => Release();

        public void AllHandedOver() => Release();

        private void Delivered(DeliveryReport<byte[]?, byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.CompareExchange(ref _firstError, report.Error, null);
            }

            Release();
        }

        private void Release()
        {
            if (Interlocked.Decrement(ref _pending) == 0)
            {
                _done.TrySetResult();
            }
        }
    }
}
