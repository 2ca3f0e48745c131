namespace FlumeNet.Metrics;

/// <summary>Flume's KafkaSinkCounter: the sink counters plus <c>KafkaEventSendTimer</c> (summed ms) and <c>RollbackCount</c>.</summary>
public sealed class KafkaSinkCounter : CounterGroup
{
    private static readonly CounterDefinition[] Base = [.. new SinkCounter(string.Empty).Counters];
    private static readonly int SendTimer = Base.Length;
    private static readonly int Rollback = Base.Length + 1;

    public KafkaSinkCounter(string name, TimeProvider? time = null)
        : base("SINK", name, [.. Base, new("KafkaEventSendTimer", "channel.kafka.event.send.time"), new("RollbackCount", "channel.rollback.count")], time)
    {
    }

    public long EventDrainSuccessCount => Get("EventDrainSuccessCount");

    public long RollbackCount => Get(Rollback);

    public void AddEventDrainAttempt(long n) => Add(Index("EventDrainAttemptCount"), n);

    public void AddEventDrainSuccess(long n) => Add(Index("EventDrainSuccessCount"), n);

    public void AddEventWriteFail() => Add(Index("EventWriteFail"), 1);

    public void AddChannelReadFail() => Add(Index("ChannelReadFail"), 1);

    public void AddSendTime(long ms) => Add(SendTimer, ms);

    public void AddRollback() => Add(Rollback, 1);

    /// <summary>Empty / underflow as Flume's Kafka sink counts them (a full batch moves no counter).</summary>
    public void CountBatch(int taken, int batchSize)
    {
        if (taken == 0)
        {
            Add(Index("BatchEmptyCount"), 1);
        }
        else if (taken < batchSize)
        {
            Add(Index("BatchUnderflowCount"), 1);
        }
    }

    private static int Index(string attribute) => Array.FindIndex(Base, d => d.Attribute == attribute);
}

/// <summary>Flume's KafkaSourceCounter: the source counters plus <c>KafkaEventGetTimer</c>, <c>KafkaCommitTimer</c>, <c>KafkaEmptyCount</c>.</summary>
public sealed class KafkaSourceCounter : CounterGroup
{
    private static readonly CounterDefinition[] Base = [.. new SourceCounter(string.Empty).Counters];

    public KafkaSourceCounter(string name, TimeProvider? time = null)
        : base("SOURCE", name, [.. Base, new("KafkaEventGetTimer", "source.kafka.event.get.time"), new("KafkaCommitTimer", "source.kafka.commit.time"), new("KafkaEmptyCount", "source.kafka.empty.count")], time)
    {
    }

    public long EventAcceptedCount => Get("EventAcceptedCount");

    public void AddEventReceived(long n) => Add(Index("EventReceivedCount"), n);

    public void AddEventAccepted(long n) => Add(Index("EventAcceptedCount"), n);

    public void AddEventReadFail() => Add(Index("EventReadFail"), 1);

    public void AddChannelWriteFail() => Add(Index("ChannelWriteFail"), 1);

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
    private static readonly CounterDefinition[] Base = [.. new ChannelCounter(string.Empty).Counters];

    public KafkaChannelCounter(string name, TimeProvider? time = null)
        : base("CHANNEL", name, [.. Base, new("KafkaEventGetTimer", "channel.kafka.event.get.time"), new("KafkaEventSendTimer", "channel.kafka.event.send.time"), new("KafkaCommitTimer", "channel.kafka.commit.time"), new("RollbackCount", "channel.rollback.count")], time)
    {
    }

    public void AddPutAttempt(long n) => Add(Index("EventPutAttemptCount"), n);

    public void AddPutSuccess(long n) => Add(Index("EventPutSuccessCount"), n);

    public void AddTakeAttempt(long n) => Add(Index("EventTakeAttemptCount"), n);

    public void AddTakeSuccess(long n) => Add(Index("EventTakeSuccessCount"), n);

    public void AddGetTime(long ms) => Add(Base.Length, ms);

    public void AddSendTime(long ms) => Add(Base.Length + 1, ms);

    public void AddCommitTime(long ms) => Add(Base.Length + 2, ms);

    public void AddRollback(long n) => Add(Base.Length + 3, n);

    protected override IEnumerable<KeyValuePair<string, object>> ExtraAttributes() =>
        [new("ChannelFillPercentage", double.MaxValue)];

    private static int Index(string attribute) => Array.FindIndex(Base, d => d.Attribute == attribute);
}
