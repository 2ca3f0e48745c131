using System.Collections.Concurrent;
using System.Text;
using FlumeNet.Channels;
using FlumeNet.Configuration;
using FlumeNet.Runtime;
using FlumeNet.Selectors;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Core.Tests.Support;

/// <summary>Collects log lines as "Level Category: message" (thread-safe).</summary>
internal sealed class LogCapture : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => _entries.ToArray();

    public IReadOnlyList<string> Messages => _entries.Select(e => e.Message).ToArray();

    public int Count(LogLevel level, string contains) => _entries.Count(e => e.Level == level && e.Message.Contains(contains, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner._entries.Enqueue((logLevel, category, formatter(state, exception)));
        }
    }
}

internal static class Ctx
{
    public static ComponentContext Of(params (string Key, string Value)[] props) => Named("c1", "a1.channels.c1.", props);

    public static ComponentContext Named(string name, string prefix, params (string Key, string Value)[] props) =>
        new(name, prefix, props.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
}

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return condition();
            }

            await Task.Delay(10);
        }

        return true;
    }

    public static async Task Eventually(Func<bool> condition, TimeSpan timeout, string what)
    {
        Assert.True(await Until(condition, timeout), "timed out waiting for: " + what);
    }
}

internal static class TestChannels
{
    public static MemoryChannel Memory(string name = "c1", int capacity = 100, int txCapacity = 100, int keepAliveSeconds = 0, long? byteCapacity = null, int bufferPct = 20, ILogger? logger = null) =>
        new(name, new MemoryChannelOptions(capacity, txCapacity, TimeSpan.FromSeconds(keepAliveSeconds), byteCapacity, bufferPct), logger ?? new LogCapture().CreateLogger("ch"));

    public static Event Ev(string body, params (string Key, string Value)[] headers) =>
        new(headers.ToDictionary(h => h.Key, h => h.Value), Encoding.UTF8.GetBytes(body));

    public static string Text(Event e) => Encoding.UTF8.GetString(e.BodyArray);

    public static void PutCommit(IChannel ch, params string[] bodies)
    {
        using var tx = ch.BeginTransaction();
        foreach (var b in bodies)
        {
            tx.Put(Ev(b));
        }

        tx.Commit();
    }

    /// <summary>Takes everything committed now, in one transaction per event, and commits.</summary>
    public static List<string> Drain(IChannel ch)
    {
        var result = new List<string>();
        while (true)
        {
            using var tx = ch.BeginTransaction();
            var e = tx.Take();
            tx.Commit();
            if (e is null)
            {
                return result;
            }

            result.Add(Text(e));
        }
    }

    public static ChannelProcessor Replicating(params IChannel[] channels) =>
        new(new ReplicatingChannelSelector(channels, Ctx.Named("r1", "a1.sources.r1.selector.")), [], new LogCapture().CreateLogger("cp"));
}

/// <summary>A channel whose transactions fail at commit (or not), counting transactions; events go to an inner memory channel.</summary>
internal sealed class ScriptedChannel(string name, Func<Exception>? commitFailure = null) : IChannel
{
    private int _transactions;

    public MemoryChannel Inner { get; } = TestChannels.Memory(name, capacity: 100_000, txCapacity: 100_000);

    public Func<Exception>? CommitFailure { get; set; } = commitFailure;

    public int Transactions => Volatile.Read(ref _transactions);

    public string Name => name;

    public LifecycleState State => LifecycleState.Start;

    public ITransaction BeginTransaction()
    {
        Interlocked.Increment(ref _transactions);
        return new Tx(this, Inner.BeginTransaction());
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask WaitForEventsAsync(TimeSpan timeout, CancellationToken cancellationToken) => Inner.WaitForEventsAsync(timeout, cancellationToken);

    private sealed class Tx(ScriptedChannel owner, ITransaction inner) : ITransaction
    {
        public void Put(Event e) => inner.Put(e);

        public Event? Take() => inner.Take();

        public void Commit()
        {
            if (owner.CommitFailure is { } f)
            {
                throw f();
            }

            inner.Commit();
        }

        public void Rollback() => inner.Rollback();

        public void Dispose() => inner.Dispose();
    }
}

/// <summary>Drops events whose body is "drop"; tags the others with header seen=&lt;tag&gt;.</summary>
internal sealed class DroppingInterceptor(string tag = "1") : IInterceptor
{
    public Event? Intercept(Event e)
    {
        if (TestChannels.Text(e) == "drop")
        {
            return null;
        }

        e.Headers["seen"] = e.Headers.TryGetValue("seen", out var v) ? v + tag : tag;
        return e;
    }
}

/// <summary>A fake clock that also records every timer the code under test creates (Task.Delay uses one).</summary>
internal sealed class RecordingTimeProvider : Microsoft.Extensions.Time.Testing.FakeTimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();

    public RecordingTimeProvider()
        : base(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public IReadOnlyList<TimeSpan> DueTimes => _dueTimes.ToArray();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _dueTimes.Enqueue(dueTime);
        return timer;
    }
}
