namespace FlumeNet.Agent;

/// <summary>
/// Keeps the managed heap within a small multiple of what is really live. While a memory channel is full, its events
/// live long enough to be promoted to the oldest generation however small the young one is, and they die there; the
/// collector's own gen-2 budget then lets them pile up to several times the channel's size before a full collection.
/// This thread looks at the heap every <see cref="BusyPeriod"/> while the process allocates (every
/// <see cref="IdlePeriod"/> otherwise) and runs a full, non-compacting collection when the heap exceeds one and a half
/// times what the last full collection kept, and at least <see cref="Floor"/>. Being relative to
/// the live size, it never limits what the channels may hold. <c>FLUMENET_HEAP_LOG=1</c> prints the figures it works
/// from once a second on standard error. See docs/performance.md.
/// </summary>
internal sealed class HeapGovernor : IDisposable
{
    public const long Floor = 24L * 1024 * 1024;
    public static readonly TimeSpan BusyPeriod = TimeSpan.FromMilliseconds(20);
    public static readonly TimeSpan IdlePeriod = TimeSpan.FromMilliseconds(500);

    // Allocation between two looks below which the process counts as idle.
    private const long IdleAllocation = 1024 * 1024;

    private readonly bool _log = Environment.GetEnvironmentVariable("FLUMENET_HEAP_LOG") == "1";
    private readonly ManualResetEventSlim _stop = new(false);
    private readonly Thread _thread;
    private long _live;
    private int _lastFullCount;
    private long _nextLog;

    public HeapGovernor()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "heap-governor" };
        _thread.Start();
    }

    /// <summary>Full collections this governor started.</summary>
    public int Collections { get; private set; }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join(TimeSpan.FromSeconds(1));
    }

    private void Run()
    {
        var allocatedBefore = GC.GetTotalAllocatedBytes(false);
        var period = BusyPeriod;
        while (!_stop.Wait(period))
        {
            var allocated = GC.GetTotalAllocatedBytes(false);
            period = allocated - allocatedBefore < IdleAllocation ? IdlePeriod : BusyPeriod;
            allocatedBefore = allocated;
            Look(allocated);
        }
    }

    private void Look(long allocated)
    {
        var fulls = GC.CollectionCount(2);
        if (fulls != _lastFullCount)
        {
            // Whoever ran it, a full collection measures what is live.
            _lastFullCount = fulls;
            var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
            if (info.Index != 0)
            {
                _live = info.HeapSizeBytes - info.FragmentedBytes;
            }
        }

        var inUse = GC.GetTotalMemory(forceFullCollection: false);
        if (_log && Environment.TickCount64 >= _nextLog)
        {
            _nextLog = Environment.TickCount64 + 1000;
            Console.Error.WriteLine($"heap: {inUse >> 10} KiB in use, {_live >> 10} KiB live at the last full GC, {allocated >> 20} MiB allocated; GCs gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{fulls} ({Collections} started here)");
        }

        if (inUse > Math.Max(Floor, _live + (_live / 2)))
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
            Collections++;
        }
    }
}
