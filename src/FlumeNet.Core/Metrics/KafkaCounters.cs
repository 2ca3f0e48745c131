namespace FlumeNet.Metrics;

/// <summary>Flume's KafkaSinkCounter: the sink counters plus <c>KafkaEventSendTimer</c> (summed ms) and <c>RollbackCount</c>.</summary>
public sealed class KafkaSinkCounter : CounterGroup
{
    private static readonly CounterDefinition[] Base = SinkCounter.Definitions;
    private static readonly int EventDrainAttemptCountIndex = Index("EventDrainAttemptCount");
    private static readonly int EventDrainSuccessCountIndex = Index("EventDrainSuccessCount");
    private static readonly int EventWriteFailIndex = Index("EventWriteFail");
    private static readonly int ChannelReadFailIndex = Index("ChannelReadFail");
    private static readonly int BatchEmptyCountIndex = Index("BatchEmptyCount");
    private static readonly int BatchUnderflowCountIndex = Index("BatchUnderflowCount");
    private static readonly int SendTimer = Base.Length;
    private static readonly int Rollback = Base.Length + 1;

    public KafkaSinkCounter(string name, TimeProvider? time = null)
        : base("SINK", name, [.. Base, new("KafkaEventSendTimer", "channel.kafka.event.send.time"), new("RollbackCount", "channel.rollback.count")], time)
    {
    }

    public long EventDrainSuccessCount => Get("EventDrainSuccessCount");

    public long RollbackCount => Get(Rollback);

    public void AddEventDrainAttempt(long n) => Add(EventDrainAttemptCountIndex, n);

    public void AddEventDrainSuccess(long n) => Add(EventDrainSuccessCountIndex, n);

    public void AddEventWriteFail() => Add(EventWriteFailIndex, 1);

    public void AddChannelReadFail() => Add(ChannelReadFailIndex, 1);

    public void AddSendTime(long ms) => Add(SendTimer, ms);

    public void AddRollback() => Add(Rollback, 1);

    /// <summary>Empty / underflow as Flume's Kafka sink counts them (a full batch moves no counter).</summary>
    public void CountBatch(int taken, int batchSize)
    {
        if (taken == 0)
        {
            Add(BatchEmptyCountIndex, 1);
        }
        else if (taken < batchSize)
        {
            Add(BatchUnderflowCountIndex, 1);
        }
    }

    private static int Index(string attribute) => Array.FindIndex(Base, d => d.Attribute == attribute);
}

/// <summary>Flume's KafkaSourceCounter: the source counters plus <c>KafkaEventGetTimer</c>, <c>KafkaCommitTimer</c>, <c>KafkaEmptyCount</c>.</summary>
public sealed class KafkaSourceCounter : CounterGroup
{
    private static readonly CounterDefinition[] Base = SourceCounter.Definitions;
    private static readonly int EventReceivedCountIndex = Index("EventReceivedCount");
    private static readonly int EventAcceptedCountIndex = Index("EventAcceptedCount");
    private static readonly int EventReadFailIndex = Index("EventReadFail");
    private static readonly int ChannelWriteFailIndex = Index("ChannelWriteFail");

    public KafkaSourceCounter(string name, TimeProvider? time = null)
        : base("SOURCE", name, [.. Base, new("KafkaEventGetTimer", "source.kafka.event.get.time"), new("KafkaCommitTimer", "source.kafka.commit.time"), new("KafkaEmptyCount", "source.kafka.empty.count")], time)
    {
    }

    public long EventAcceptedCount => Get("EventAcceptedCount");

    public void AddEventReceived(long n) => Add(EventReceivedCountIndex, n);

    public void AddEventAccepted(long n) => Add(EventAcceptedCountIndex, n);

    public void AddEventReadFail() => Add(EventReadFailIndex, 1);

    public void AddChannelWriteFail() => Add(ChannelWriteFailIndex, 1);

    public void AddGetTime(long ms) => Add(Base.Length, ms);

    public void AddCommitTime(long ms) => Add(Base.Length + 1, ms);

    public void AddEmpty() => Add(Base.Length + 2, 1);

    private static int Index(string attribute) => Array.FindIndex(Base, d => d.Attribute == attribute);
}

/// <summary>
/// Flume's KafkaChannelCounter: the channel counters plus <c>KafkaEventGetTimer</c>, <c>KafkaEventSendTimer</c>,
/// <c>KafkaCommitTimer</c> (summed ms) and <c>RollbackCount</c>. Size and capacity stay 0, as in Flume.
/// </summary>
public sealed class KafkaChannelCounter : CounterGroup
{
    private static readonly CounterDefinition[] Base = ChannelCounter.Definitions;
    private static readonly int EventPutAttemptCountIndex = Index("EventPutAttemptCount");
    private static readonly int EventPutSuccessCountIndex = Index("EventPutSuccessCount");
    private static readonly int EventTakeAttemptCountIndex = Index("EventTakeAttemptCount");
    private static readonly int EventTakeSuccessCountIndex = Index("EventTakeSuccessCount");

    public KafkaChannelCounter(string name, TimeProvider? time = null)
        : base("CHANNEL", name, [.. Base, new("KafkaEventGetTimer", "channel.kafka.event.get.time"), new("KafkaEventSendTimer", "channel.kafka.event.send.time"), new("KafkaCommitTimer", "channel.kafka.commit.time"), new("RollbackCount", "channel.rollback.count")], time)
    {
    }

    public void AddPutAttempt(long n) => Add(EventPutAttemptCountIndex, n);

    public void AddPutSuccess(long n) => Add(EventPutSuccessCountIndex, n);

    public void AddTakeAttempt(long n) => Add(EventTakeAttemptCountIndex, n);

    public void AddTakeSuccess(long n) => Add(EventTakeSuccessCountIndex, n);

    public void AddGetTime(long ms) => Add(Base.Length, ms);

    public void AddSendTime(long ms) => Add(Base.Length + 1, ms);

    public void AddCommitTime(long ms) => Add(Base.Length + 2, ms);

    public void AddRollback(long n) => Add(Base.Length + 3, n);

    protected override IEnumerable<KeyValuePair<string, object>> ExtraAttributes() =>
        [new("ChannelFillPercentage", double.MaxValue)];

    private static int Index(string attribute) => Array.FindIndex(Base, d => d.Attribute == attribute);
}
