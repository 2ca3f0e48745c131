namespace FlumeNet;

/// <summary>State of a supervised component: IDLE → START → STOP, or ERROR.</summary>
public enum LifecycleState
{
    Idle,
    Start,
    Stop,
    Error,
}

/// <summary>
/// Every runtime component. Start and stop are idempotent. Start may throw: the supervisor logs the
/// failure once and retries later.
/// </summary>
public interface IComponent
{
    string Name { get; }

    LifecycleState State { get; }

    Task StartAsync(CancellationToken cancellationToken);

    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A channel is thread-safe: any number of sources and sinks open transactions on it concurrently.
/// </summary>
public interface IChannel : IComponent
{
    /// <summary>Opens a new transaction (state OPEN). The transaction belongs to the caller, not to a thread.</summary>
    ITransaction BeginTransaction();

    /// <summary>
    /// Completes when the channel may have an event to take, or when <paramref name="timeout"/> passes.
    /// Lets a sink with nothing to do wait for work instead of polling.
    /// </summary>
    ValueTask WaitForEventsAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>
/// A channel transaction: Put/Take, then Commit or Rollback, then Dispose (always). Not thread-safe:
/// one logical flow of control uses it at a time, which may hop between threads across awaits.
/// </summary>
public interface ITransaction : IDisposable
{
    void Put(Event e);

    /// <summary>Takes the next event, or null when the channel has none committed right now (never waits).</summary>
    Event? Take();

    /// <summary>
    /// Takes up to <paramref name="max"/> events, in order, appending them to <paramref name="into"/>; returns how many
    /// (0 when the channel has none committed right now; never waits). Same rules as that many <see cref="Take"/>
    /// calls; a channel may answer it with one synchronisation instead of one per event.
    /// </summary>
    int TakeBatch(List<Event> into, int max)
    {
        var n = 0;
        while (n < max && Take() is { } e)
        {
            into.Add(e);
            n++;
        }

        return n;
    }

    void Commit();

    void Rollback();
}

public enum SinkStatus
{
    /// <summary>At least one event was handled; call again at once.</summary>
    Ready,

    /// <summary>Nothing to do; the runner waits before the next call.</summary>
    Backoff,
}

/// <summary>
/// A sink. <see cref="ProcessAsync"/> is called by one runner at a time (never concurrently): it takes a
/// batch from its channel in one transaction, delivers it, commits, and on failure rolls back and throws
/// <see cref="EventDeliveryException"/>.
/// </summary>
public interface ISink : IComponent
{
    IChannel Channel { get; }

    ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken);
}

/// <summary>Chooses which sink(s) of a group process; called by one sink runner, single-threaded.</summary>
public interface ISinkProcessor : IComponent
{
    IReadOnlyList<ISink> Sinks { get; }

    ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken);
}

/// <summary>A source that pushes events itself (exec, avro, netcat).</summary>
public interface IEventDrivenSource : IComponent
{
}

public enum SourceStatus
{
    Ready,
    Backoff,
}

/// <summary>A source polled by a runner (seq, TAILDIR). ProcessAsync is single-threaded.</summary>
public interface IPollableSource : IComponent
{
    ValueTask<SourceStatus> ProcessAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A sink that can check, without taking events, whether its peer is reachable (the avro sink connects).
/// Processors use it to decide when a parked sink is worth real traffic again, off the delivery path.
/// </summary>
public interface IProbeableSink : ISink
{
    /// <summary>True when the sink could deliver now (e.g. its connection is open or could be opened).</summary>
    ValueTask<bool> ProbeAsync(CancellationToken cancellationToken);
}

/// <summary>A source or sink that moves events in batches of a configured size (checked against channels).</summary>
public interface IBatchingComponent
{
    /// <summary>The key that sets the batch size, relative to the component (e.g. <c>batchSize</c>).</summary>
    string BatchSizeKey { get; }

    int BatchSize { get; }
}

/// <summary>A channel that limits the events of one transaction.</summary>
public interface ITransactionalCapacity
{
    int TransactionCapacity { get; }
}

/// <summary>
/// A channel that can say how many committed events it holds and whether they outlive the process. The runtime uses it
/// to drain before stopping and to account for what a stop or a reload leaves behind.
/// </summary>
public interface IChannelBacklog
{
    /// <summary>
    /// Committed events not yet taken for good: queued, or taken by a transaction still open (a sink's batch in flight,
    /// which comes back if that transaction rolls back). A stop drains until this reaches 0.
    /// </summary>
    long Backlog { get; }

    /// <summary>True when the events survive a stop of the process (a file channel), false when they die with it.</summary>
    bool IsDurable { get; }
}

/// <summary>
/// A channel that a reload keeps when the new configuration has a channel of the same name and type: the builder hands
/// it the new settings instead of building a new one, so queued events (or an open on-disk log) carry over.
/// </summary>
public interface IReconfigurableChannel : IChannel
{
    /// <summary>
    /// Validates the new settings (reporting problems on <paramref name="ctx"/>) and, when they are valid, applies them in
    /// place. Returns false when the channel cannot take them (the builder then reports the channel as removed).
    /// </summary>
    bool TryReconfigure(Configuration.ComponentContext ctx);
}
