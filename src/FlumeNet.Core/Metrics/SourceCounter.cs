namespace FlumeNet.Metrics;

/// <summary>Flume's SourceCounter (<c>SOURCE.&lt;name&gt;</c>): what a source received and committed.</summary>
public sealed class SourceCounter : CounterGroup
{
    internal static readonly CounterDefinition[] Definitions =
    [
        new("EventReceivedCount", "src.events.received"),
        new("EventAcceptedCount", "src.events.accepted"),
        new("AppendReceivedCount", "src.append.received"),
        new("AppendAcceptedCount", "src.append.accepted"),
        new("AppendBatchReceivedCount", "src.append-batch.received"),
        new("AppendBatchAcceptedCount", "src.append-batch.accepted"),
        new("OpenConnectionCount", "src.open-connection.count"),
        new("EventReadFail", "src.event.read.fail"),
        new("ChannelWriteFail", "src.channel.write.fail"),
        new("GenericProcessingFail", "src.generic.processing.fail"),
    ];

    public SourceCounter(string name, TimeProvider? time = null)
        : base("SOURCE", name, Definitions, time)
    {
    }

    public long EventReceivedCount => Get(0);

    public long EventAcceptedCount => Get(1);

    public long AppendReceivedCount => Get(2);

    public long AppendAcceptedCount => Get(3);

    public long AppendBatchReceivedCount => Get(4);

    public long AppendBatchAcceptedCount => Get(5);

    public long OpenConnectionCount => Get(6);

    public long EventReadFail => Get(7);

    public long ChannelWriteFail => Get(8);

    public long GenericProcessingFail => Get(9);

    public void AddEventReceived(long n = 1) => Add(0, n);

    public void AddEventAccepted(long n = 1) => Add(1, n);

    public void AddAppendReceived(long n = 1) => Add(2, n);

    public void AddAppendAccepted(long n = 1) => Add(3, n);

    public void AddAppendBatchReceived(long n = 1) => Add(4, n);

    public void AddAppendBatchAccepted(long n = 1) => Add(5, n);

    public void SetOpenConnectionCount(long n) => Set(6, n);

    public void AddEventReadFail(long n = 1) => Add(7, n);

    public void AddChannelWriteFail(long n = 1) => Add(8, n);

    public void AddGenericProcessingFail(long n = 1) => Add(9, n);
}
