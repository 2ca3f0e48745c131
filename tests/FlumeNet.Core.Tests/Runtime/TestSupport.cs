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
