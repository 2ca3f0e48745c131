using FlumeNet.Configuration;
using FlumeNet.Metrics;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Channels;

/// <summary>Settings of the <c>memory</c> channel (Flume's keys and defaults).</summary>
/// <param name="Capacity"><c>capacity</c>, events (default 100).</param>
/// <param name="TransactionCapacity"><c>transactionCapacity</c>, puts or takes per transaction (default 100).</param>
/// <param name="KeepAlive"><c>keep-alive</c>, seconds a commit waits for room (default 3).</param>
/// <param name="ByteCapacity"><c>byteCapacity</c>, body bytes (default 80 % of the memory available to the process).</param>
/// <param name="ByteCapacityBufferPercentage"><c>byteCapacityBufferPercentage</c> (default 20).</param>
public sealed record MemoryChannelOptions(int Capacity = 100, int TransactionCapacity = 100, TimeSpan? KeepAlive = null, long? ByteCapacity = null, int ByteCapacityBufferPercentage = 20)
{
    public TimeSpan KeepAliveOrDefault => KeepAlive ?? TimeSpan.FromSeconds(3);

    public static MemoryChannelOptions FromContext(ComponentContext ctx)
    {
        ctx.MarkKnown("type");
        var capacity = ctx.GetIntOrDefault("capacity", 100);
        if (capacity <= 0)
        {
            ctx.Warn("capacity", $"Invalid capacity specified, initializing channel to default capacity of 100");
            capacity = 100;
        }

        var txCapacity = ctx.GetIntOrDefault("transactionCapacity", 100);
        if (txCapacity <= 0)
        {
            ctx.Warn("transactionCapacity", "Invalid transation capacity specified, initializing channel to default capacity of 100");
            txCapacity = 100;
        }

        if (txCapacity > capacity)
        {
            ctx.Error("transactionCapacity", $"Transaction Capacity of Memory Channel cannot be higher than the capacity ({txCapacity} > {capacity}).");
        }

        var keepAlive = ctx.GetIntOrDefault("keep-alive", 3);
        var defaultBytes = (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.8);
        var byteCapacity = ctx.GetLongOrDefault("byteCapacity", defaultBytes);
        var pct = ctx.GetIntOrDefault("byteCapacityBufferPercentage", 20);
        return new MemoryChannelOptions(capacity, txCapacity, TimeSpan.FromSeconds(Math.Max(0, keepAlive)), byteCapacity, pct);
    }
}

/// <summary>
/// Flume's <c>memory</c> channel: a bounded FIFO in memory. Puts become visible at commit; takes are
/// tentative until commit and go back to the head, in order, on rollback. A commit that needs room
/// waits up to keep-alive for it, then fails with <see cref="ChannelFullException"/>.
/// Unlike Flume a take never waits: sinks wait on <see cref="WaitForEventsAsync"/> instead, so a batch
/// leaves as soon as the channel has nothing more, rather than after keep-alive seconds.
/// </summary>
public sealed class MemoryChannel : IReconfigurableChannel, ITransactionalCapacity, IChannelBacklog, IMetered
{
    private const int ByteUnit = 100;

    // Guards every field below. Held for O(batch) work only; never across an await.
    private readonly object _lock = new();
    private readonly EventRing _queue;
    private readonly AsyncSignal _eventsArrived = new();
    private readonly ILogger _logger;
    private MemoryChannelOptions _options;
    private int _capacity;
    private int _slotsHeld;        // events queued + events taken by open transactions
    private long _byteUnitsTotal;
    private long _byteUnitsHeld;
    private readonly ChannelCounter _counters;
    private int _roomWaiters;     // commits waiting in Monitor.Wait for room: only then does a take wake anyone

    public MemoryChannel(string name, MemoryChannelOptions options, ILogger logger, MetricsRegistry? metrics = null, TimeProvider? time = null)
    {
        Name = name;
        _counters = new ChannelCounter(name, time: time);
        metrics?.Register(_counters);
        _logger = logger;
        _options = options;
        _capacity = options.Capacity;
        _byteUnitsTotal = ComputeByteUnits(options);
        _queue = new EventRing(Math.Min(options.Capacity, 1 << 16), options.Capacity);
    }

    public string Name { get; }

    public LifecycleState State { get; private set; } = LifecycleState.Idle;

    public MemoryChannelOptions Options => _options;

    /// <summary>Events committed and not yet taken.</summary>
    public int Size
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public int Capacity => _capacity;

    /// <summary>Queued events plus events taken by open transactions: a drain waits for in-flight batches too.</summary>
    long IChannelBacklog.Backlog
    {
        get
        {
            lock (_lock)
            {
                return _slotsHeld;
            }
        }
    }

    bool IChannelBacklog.IsDurable => false;

    public int TransactionCapacity => _options.TransactionCapacity;

    public long PutSuccessCount => _counters.EventPutSuccessCount;

    public long TakeSuccessCount => _counters.EventTakeSuccessCount;

    /// <summary>Flume's <c>CHANNEL.&lt;name&gt;</c> group; attempts and successes are added once per commit or rollback.</summary>
    public ChannelCounter Counters => _counters;

    CounterGroup IMetered.Counters => _counters;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _counters.Start();
        lock (_lock)
        {
            _counters.SetChannelSize(_queue.Count);
            _counters.SetChannelCapacity(_capacity);
        }

        State = LifecycleState.Start;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        State = LifecycleState.Stop;
        _eventsArrived.Set();
        lock (_lock)
        {
            _counters.SetChannelSize(_queue.Count);
        }

        _counters.Stop();
        return Task.CompletedTask;
    }

    public bool TryReconfigure(ComponentContext ctx)
    {
        var options = MemoryChannelOptions.FromContext(ctx);
        if (ctx.HasErrors)
        {
            return false;
        }

        Reconfigure(options);
        return true;
    }

    /// <summary>Applies new settings in place (a reload keeps the queued events).</summary>
    public void Reconfigure(MemoryChannelOptions options)
    {
        lock (_lock)
        {
            if (options.Capacity < _slotsHeld)
            {
                _logger.LogWarning("Couldn't acquire permits to downsize the queue, resizing has been aborted (channel {Channel} holds {Held} events, new capacity {Capacity})", Name, _slotsHeld, options.Capacity);
                options = options with { Capacity = _capacity };
            }

            _options = options;
            _capacity = options.Capacity;
            _byteUnitsTotal = ComputeByteUnits(options);
            _counters.SetChannelCapacity(_capacity);
            Monitor.PulseAll(_lock);
        }
    }

    public ITransaction BeginTransaction() => new MemoryTransaction(this, _options.TransactionCapacity);

    public async ValueTask WaitForEventsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var next = _eventsArrived.NextAsync();
        lock (_lock)
        {
            if (_queue.Count > 0 || State == LifecycleState.Stop)
            {
                return;
            }
        }

        try
        {
            await next.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    private static long ComputeByteUnits(MemoryChannelOptions o)
    {
        var bytes = o.ByteCapacity ?? long.MaxValue;
        var usable = bytes * (1.0 - (o.ByteCapacityBufferPercentage / 100.0));
        var units = (long)(usable / ByteUnit);
        return units < 1 ? int.MaxValue : units;
    }

    private static long UnitsOf(Event e) => Math.Max(1, (e.BodyArray.Length + ByteUnit - 1) / ByteUnit);

    private Event? TakeOne(ref long takenUnits)
    {
        lock (_lock)
        {
            var e = _queue.TakeFirst();
            if (e is not null)
            {
                takenUnits += UnitsOf(e);
            }

            return e;
        }
    }

    /// <summary>Up to <paramref name="max"/> events under one lock, appended to <paramref name="into"/>.</summary>
    private int TakeMany(List<Event> into, int max, ref long takenUnits)
    {
        var from = into.Count;
        int n;
        lock (_lock)
        {
            n = _queue.TakeFirst(into, max);
        }

        for (int i = from; i < from + n; i++)
        {
            takenUnits += UnitsOf(into[i]);
        }

        return n;
    }

    private bool HasSlots(int needSlots) => _capacity - _slotsHeld >= needSlots;

    private bool HasBytes(long needUnits) => _byteUnitsTotal - _byteUnitsHeld >= needUnits;

    /// <summary>Waits (lock held) until there is room for both or the keep-alive deadline passes; false when time is up without room.</summary>
    private bool WaitForRoom(long deadline, int needSlots, long needUnits)
    {
        while (!(HasSlots(needSlots) && HasBytes(needUnits)))
        {
            var left = deadline - Environment.TickCount64;
            _roomWaiters++;
            bool signalled;
            try
            {
                signalled = left > 0 && Monitor.Wait(_lock, TimeSpan.FromMilliseconds(left));
            }
            finally
            {
                _roomWaiters--;
            }

            if (!signalled)
            {
                return HasSlots(needSlots) && HasBytes(needUnits);
            }
        }

        return true;
    }

    private void CommitCore(List<Event> puts, int takes, long putUnits, long takenUnits, int putAttempts, int takeAttempts)
    {
        CountAttempts(putAttempts, takeAttempts);
        var needSlots = puts.Count - takes;
        lock (_lock)
        {
            if (needSlots > 0 || putUnits > takenUnits)
            {
                var deadline = Environment.TickCount64 + (long)_options.KeepAliveOrDefault.TotalMilliseconds;
                var needUnits = putUnits - takenUnits;
                if (!WaitForRoom(deadline, needSlots, needUnits) && !HasSlots(needSlots))
                {
                    throw new ChannelFullException($"Space for commit to queue couldn't be acquired. Sinks are likely not keeping up with sources, or the buffer size is too tight (channel {Name}, capacity {_capacity}, {_queue.Count} events queued)");
                }

                if (!HasBytes(needUnits))
                {
                    throw new ChannelException($"Cannot commit transaction. Byte capacity allocated to store event body {_byteUnitsTotal * ByteUnit}reached. Please increase heap space/byte capacity allocated to the channel as the sinks may not be keeping up with the sources (channel {Name})");
                }
            }

            _queue.AddLast(puts);
            _slotsHeld += needSlots;
            _byteUnitsHeld += putUnits - takenUnits;
            if (puts.Count > 0)
            {
                _counters.AddEventPutSuccess(puts.Count);
            }

            if (takes > 0)
            {
                _counters.AddEventTakeSuccess(takes);
            }

            _counters.SetChannelSize(_queue.Count);
            if (takes > 0 && _roomWaiters > 0)
            {
                Monitor.PulseAll(_lock);
            }
        }

        if (puts.Count > 0)
        {
            _eventsArrived.Set();
        }
    }

    /// <summary>Adds a transaction's put and take calls to the attempt counters (once per transaction, not per call).</summary>
    private void CountAttempts(int putAttempts, int takeAttempts)
    {
        if (putAttempts > 0)
        {
            _counters.AddEventPutAttempt(putAttempts);
        }

        if (takeAttempts > 0)
        {
            _counters.AddEventTakeAttempt(takeAttempts);
        }
    }

    private void RollbackCore(List<Event> taken, int putAttempts, int takeAttempts)
    {
        CountAttempts(putAttempts, takeAttempts);
        if (taken.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            _queue.AddFirst(taken);
            _counters.SetChannelSize(_queue.Count);
        }

        _eventsArrived.Set();
    }

    private sealed class MemoryTransaction : BasicTransaction
    {
        private readonly MemoryChannel _channel;
        private readonly int _capacity;
        private List<Event>? _puts;
        private List<Event>? _takes;
        private long _putUnits;
        private long _takenUnits;
        private int _putAttempts;
        private int _takeAttempts;

        public MemoryTransaction(MemoryChannel channel, int capacity)
        {
            _channel = channel;
            _capacity = capacity;
        }

        protected override void DoPut(Event e)
        {
            _putAttempts++;
            _puts ??= new List<Event>(Math.Min(_capacity, 1024));
            if (_puts.Count == _capacity)
            {
                throw new ChannelException($"Put queue for MemoryTransaction of capacity {_capacity} full, consider committing more frequently, increasing capacity or increasing thread count (channel {_channel.Name})");
            }

            _puts.Add(e);
            _putUnits += UnitsOf(e);
        }

        protected override Event? DoTake()
        {
            _takeAttempts++;
            _takes ??= new List<Event>(Math.Min(_capacity, 1024));
            if (_takes.Count == _capacity)
            {
                throw TakeListFull();
            }

            var e = _channel.TakeOne(ref _takenUnits);
            if (e is not null)
            {
                _takes.Add(e);
            }

            return e;
        }

        protected override int DoTakeBatch(List<Event> into, int max)
        {
            // Attempts count as if Take() had been called one at a time: each event, plus the call that found the
            // channel empty or the take list full.
            _takes ??= new List<Event>(Math.Min(_capacity, 1024));
            if (_takes.Count == _capacity)
            {
                _takeAttempts++;
                throw TakeListFull();
            }

            var from = _takes.Count;
            var room = _capacity - from;
            var n = _channel.TakeMany(_takes, Math.Min(max, room), ref _takenUnits);
            for (int i = from; i < from + n; i++)
            {
                into.Add(_takes[i]);
            }

            _takeAttempts += n < max ? n + 1 : n;
            if (n == room && n < max)
            {
                // One more Take() would be refused, exactly as when taking one at a time.
                throw TakeListFull();
            }

            return n;
        }

        protected override void DoCommit()
        {
            var (putAttempts, takeAttempts) = (_putAttempts, _takeAttempts);
            _putAttempts = _takeAttempts = 0;
            _channel.CommitCore(_puts ?? EmptyList, _takes?.Count ?? 0, _putUnits, _takenUnits, putAttempts, takeAttempts);
            _puts?.Clear();
            _takes?.Clear();
        }

        protected override void DoRollback()
        {
            var (putAttempts, takeAttempts) = (_putAttempts, _takeAttempts);
            _putAttempts = _takeAttempts = 0;
            _channel.RollbackCore(_takes ?? EmptyList, putAttempts, takeAttempts);

            _puts?.Clear();
            _takes?.Clear();
        }

        private static readonly List<Event> EmptyList = new(0);

        private ChannelException TakeListFull() =>
            new($"Take list for MemoryTransaction, capacity {_capacity} full, consider committing more frequently, increasing capacity, or increasing thread count (channel {_channel.Name})");
    }
}
