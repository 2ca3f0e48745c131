namespace FlumeNet.Metrics;

/// <summary>
/// Flume's ChannelCounter (<c>CHANNEL.&lt;name&gt;</c>): puts, takes, size and capacity. A durable channel adds
/// Flume's file-channel attributes by passing <c>fileChannel: true</c>.
/// </summary>
public sealed class ChannelCounter : CounterGroup
{
    internal static readonly CounterDefinition[] Definitions =
    [
        new("ChannelSize", "channel.current.size"),
        new("EventPutAttemptCount", "channel.event.put.attempt"),
        new("EventTakeAttemptCount", "channel.event.take.attempt"),
        new("EventPutSuccessCount", "channel.event.put.success"),
        new("EventTakeSuccessCount", "channel.event.take.success"),
        new("ChannelCapacity", "channel.capacity"),
    ];

    private static readonly CounterDefinition[] FileDefinitions =
    [
        .. Definitions,
        new("EventPutErrorCount", "channel.file.event.put.error"),
        new("EventTakeErrorCount", "channel.file.event.take.error"),
        new("CheckpointWriteErrorCount", "channel.file.checkpoint.write.error"),
        new("CheckpointBackupWriteErrorCount", "channel.file.checkpoint.backup.write.error"),
        new("Unhealthy", "channel.file.unhealthy"),
        new("Closed", "channel.file.closed"),
        new("DamagedLogRegionCount", "channel.file.log.damaged"),
    ];

    private volatile bool _open;

    public ChannelCounter(string name, bool fileChannel = false, TimeProvider? time = null)
        : base("CHANNEL", name, fileChannel ? FileDefinitions : Definitions, time)
    {
        IsFileChannel = fileChannel;
    }

    /// <summary>True when the group carries Flume's file-channel attributes.</summary>
    public bool IsFileChannel { get; }

    public long ChannelSize => Get(0);

    public long EventPutAttemptCount => Get(1);

    public long EventTakeAttemptCount => Get(2);

    public long EventPutSuccessCount => Get(3);

    public long EventTakeSuccessCount => Get(4);

    public long ChannelCapacity => Get(5);

    /// <summary>
    /// (size / capacity) × 100, computed in that order as Flume does (1 of 1 000 000 is 9.999999999999999E-5, not 1.0E-4);
    /// <see cref="double.MaxValue"/> while the capacity is 0.
    /// </summary>
    public double ChannelFillPercentage
    {
        get
        {
            var capacity = ChannelCapacity;
            return capacity == 0 ? double.MaxValue : ChannelSize / (double)capacity * 100;
        }
    }

    /// <summary>File channel: whether the channel is open (Flume's boolean <c>Open</c>).</summary>
    public bool Open
    {
        get => _open;
        set => _open = value;
    }

    public void SetChannelSize(long n) => Set(0, n);

    public void AddEventPutAttempt(long n = 1) => Add(1, n);

    public void AddEventTakeAttempt(long n = 1) => Add(2, n);

    public void AddEventPutSuccess(long n = 1) => Add(3, n);

    public void AddEventTakeSuccess(long n = 1) => Add(4, n);

    public void SetChannelCapacity(long n) => Set(5, n);

    public void AddEventPutError(long n = 1) => AddFile(6, n);

    public void AddEventTakeError(long n = 1) => AddFile(7, n);

    public void AddCheckpointWriteError(long n = 1) => AddFile(8, n);

    public void AddCheckpointBackupWriteError(long n = 1) => AddFile(9, n);

    public void SetUnhealthy(bool unhealthy) => SetFile(10, unhealthy ? 1 : 0);

    public void SetClosed(bool closed) => SetFile(11, closed ? 1 : 0);

    /// <summary>File channel (FlumeNet addition): damaged regions found in the data log at replay.</summary>
    public void AddDamagedLogRegion(long n = 1) => AddFile(12, n);

    protected override IEnumerable<KeyValuePair<string, object>> ExtraAttributes()
    {
        yield return new("ChannelFillPercentage", ChannelFillPercentage);
        if (IsFileChannel)
        {
            yield return new("Open", Open);
        }
    }

    private void AddFile(int index, long n)
    {
        if (IsFileChannel)
        {
            Add(index, n);
        }
    }

    private void SetFile(int index, long n)
    {
        if (IsFileChannel)
        {
            Set(index, n);
        }
    }
}
