using System.Diagnostics;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Runtime;

public sealed class SinkRunnerTests
{
    private readonly LogCapture _log = new();

    private SinkRunner Runner(ISinkProcessor p, TimeProvider time) => new("k1", p, "DefaultSinkProcessor", _log.CreateLogger("org.apache.flume.SinkRunner"), time);

    [Fact]
    public async Task Backoff_wait_is_woken_early_by_a_commit()
    {
        var ch = Memory();
        var sink = new TakingSink(ch);
        var runner = Runner(new OneSinkProcessor(sink), TimeProvider.System);
        await runner.StartAsync(CancellationToken.None);
        try
        {
            // Two empty calls: the runner now waits up to 2 s.
            await Wait.Eventually(() => sink.Calls >= 2, TimeSpan.FromSeconds(10), "two backoffs");
            var sw = Stopwatch.StartNew();
            PutCommit(ch, "a");
            await Wait.Eventually(() => sink.Taken.Count == 1, TimeSpan.FromSeconds(5), "event delivered");
            Assert.True(sw.Elapsed < TimeSpan.FromMilliseconds(900), $"took {sw.Elapsed}");
        }
        finally
        {
            await runner.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Ready_is_called_again_at_once_until_the_channel_is_empty()
    {
        var ch = Memory(capacity: 1000, txCapacity: 100);
        PutCommit(ch, Enumerable.Range(0, 50).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        var sink = new TakingSink(ch);
        var runner = Runner(new OneSinkProcessor(sink), new RecordingTimeProvider());
        await runner.StartAsync(CancellationToken.None);
        try
        {
            await Wait.Eventually(() => sink.Taken.Count == 50, TimeSpan.FromSeconds(5), "all delivered");
            Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), sink.Taken);
        }
        finally
        {
            await runner.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task An_exception_is_logged_once_per_cycle_and_the_loop_continues()
    {
        var ch = Memory();
        PutCommit(ch, "a");
        var sink = new TakingSink(ch);
        sink.Failures.Enqueue(new EventDeliveryException("Failed to send events", new IOException("Connection refused")));
        sink.Failures.Enqueue(new InvalidOperationException("odd"));
        var time = new RecordingTimeProvider();
        var runner = Runner(new OneSinkProcessor(sink), time);
        await runner.StartAsync(CancellationToken.None);
        try
        {
            await Wait.Eventually(() => time.DueTimes.Count == 1, TimeSpan.FromSeconds(10), "pause after the first failure");
            Assert.Equal(TimeSpan.FromSeconds(5), time.DueTimes[0]);
            Assert.Equal(["Unable to deliver event: Failed to send events: Connection refused"], _log.Entries.Where(e => e.Level == LogLevel.Error).Select(e => e.Message));

            time.Advance(TimeSpan.FromSeconds(5));
            await Wait.Eventually(() => time.DueTimes.Count == 2, TimeSpan.FromSeconds(10), "pause after the second failure");
            Assert.Equal(2, _log.Entries.Count(e => e.Level == LogLevel.Error));
            Assert.Equal(1, _log.Count(LogLevel.Error, "Unable to deliver event: odd"));

            time.Advance(TimeSpan.FromSeconds(5));
            await Wait.Eventually(() => sink.Taken.Count == 1, TimeSpan.FromSeconds(10), "delivery after failures");
            Assert.Equal(2, _log.Entries.Count(e => e.Level == LogLevel.Error));
        }
        finally
        {
            await runner.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Stop_is_prompt_while_backing_off_and_stops_the_processor()
    {
        var ch = Memory();
        var sink = new TakingSink(ch);
        var processor = new OneSinkProcessor(sink);
        var runner = Runner(processor, TimeProvider.System);
        await runner.StartAsync(CancellationToken.None);
        Assert.Equal(LifecycleState.Start, runner.State);
        Assert.Equal(LifecycleState.Start, processor.State);
        await Wait.Eventually(() => sink.Calls >= 3, TimeSpan.FromSeconds(15), "runner waiting 3 s");

        var sw = Stopwatch.StartNew();
        await runner.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"stop took {sw.Elapsed}");
        Assert.Equal(LifecycleState.Stop, runner.State);
        Assert.Equal(LifecycleState.Stop, processor.State);
        await runner.StopAsync(CancellationToken.None); // idempotent
    }

    [Fact]
    public async Task Stop_is_prompt_during_the_pause_after_a_failure()
    {
        var ch = Memory();
        var sink = new TakingSink(ch);
        sink.Failures.Enqueue(new EventDeliveryException("nope"));
        var time = new RecordingTimeProvider();
        var runner = Runner(new OneSinkProcessor(sink), time);
        await runner.StartAsync(CancellationToken.None);
        await Wait.Eventually(() => time.DueTimes.Count == 1, TimeSpan.FromSeconds(10), "pause");
        await runner.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
    }

    /// <summary>Takes one event per call; throws queued failures first.</summary>
    private sealed class TakingSink(IChannel channel) : ISink
    {
        private int _calls;

        public IChannel Channel => channel;

        public System.Collections.Concurrent.ConcurrentQueue<Exception> Failures { get; } = new();

        public List<string> Taken { get; } = [];

        public int Calls => Volatile.Read(ref _calls);

        public string Name => "k1";

        public LifecycleState State { get; private set; }

        public ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (Failures.TryDequeue(out var ex))
            {
                throw ex;
            }

            using var tx = channel.BeginTransaction();
            var e = tx.Take();
            tx.Commit();
            if (e is null)
            {
                return ValueTask.FromResult(SinkStatus.Backoff);
            }

            lock (Taken)
            {
                Taken.Add(Text(e));
            }

            return ValueTask.FromResult(SinkStatus.Ready);
        }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            State = LifecycleState.Start;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            State = LifecycleState.Stop;
            return Task.CompletedTask;
        }
    }

    private sealed class OneSinkProcessor(ISink sink) : ISinkProcessor
    {
        public IReadOnlyList<ISink> Sinks => [sink];

        public string Name => sink.Name;

        public LifecycleState State { get; private set; }

        public ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken) => sink.ProcessAsync(cancellationToken);

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await sink.StartAsync(cancellationToken);
            State = LifecycleState.Start;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await sink.StopAsync(cancellationToken);
            State = LifecycleState.Stop;
        }
    }
}
