namespace FlumeNet.Metrics;

/// <summary>Flume's SinkCounter (<c>SINK.&lt;name&gt;</c>): connections and batches of a sink.</summary>
public sealed class SinkCounter : CounterGroup
{
    internal static readonly CounterDefinition[] Definitions =
    [
        new("ConnectionCreatedCount", "sink.connection.creation.count"),
        new("ConnectionClosedCount", "sink.connection.closed.count"),
        new("ConnectionFailedCount", "sink.connection.failed.count"),
        new("BatchEmptyCount", "sink.batch.empty"),
        new("BatchUnderflowCount", "sink.batch.underflow"),
        new("BatchCompleteCount", "sink.batch.complete"),
        new("EventDrainAttemptCount", "sink.event.drain.attempt"),
        new("EventDrainSuccessCount", "sink.event.drain.sucess"),
        new("EventWriteFail", "sink.event.write.fail"),
        new("ChannelReadFail", "sink.channel.read.fail"),
    ];

    public SinkCounter(string name, TimeProvider? time = null)
        : base("SINK", name, Definitions, time)
    {
    }

    public long ConnectionCreatedCount => Get(0);

    public long ConnectionClosedCount => Get(1);

    public long ConnectionFailedCount => Get(2);

    public long BatchEmptyCount => Get(3);

    public long BatchUnderflowCount => Get(4);

    public long BatchCompleteCount => Get(5);

    public long EventDrainAttemptCount => Get(6);

    public long EventDrainSuccessCount => Get(7);

    public long EventWriteFail => Get(8);

    public long ChannelReadFail => Get(9);

    public void AddConnectionCreated(long n = 1) => Add(0, n);

    public void AddConnectionClosed(long n = 1) => Add(1, n);

    public void AddConnectionFailed(long n = 1) => Add(2, n);

    public void AddBatchEmpty(long n = 1) => Add(3, n);

    public void AddBatchUnderflow(long n = 1) => Add(4, n);

    public void AddBatchComplete(long n = 1) => Add(5, n);

    public void AddEventDrainAttempt(long n = 1) => Add(6, n);

    public void AddEventDrainSuccess(long n = 1) => Add(7, n);

    public void AddEventWriteFail(long n = 1) => Add(8, n);

    public void AddChannelReadFail(long n = 1) => Add(9, n);

    /// <summary>Counts one batch of <paramref name="taken"/> events against <paramref name="batchSize"/> as Flume's sinks do.</summary>
    public void CountBatch(int taken, int batchSize)
    {
        if (taken == 0)
        {
            AddBatchEmpty();
        }
        else if (taken < batchSize)
        {
            AddBatchUnderflow();
        }
        else
        {
            AddBatchComplete();
        }
    }
}
