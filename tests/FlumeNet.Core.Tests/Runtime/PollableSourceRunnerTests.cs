using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using FlumeNet.Sources;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Core.Tests.Runtime;

public sealed class PollableSourceRunnerTests
{
    private readonly LogCapture _log = new();

    [Fact]
    public async Task Quiet_source_backs_off_1_2_3_4_5_5_seconds_and_ready_resets()
    {
        var source = new ScriptedPollable();
        var time = new RecordingTimeProvider();
        var runner = new PollableSourceRunner(source, new PollableSourceOptions(), _log.CreateLogger("r"), time);
        await runner.StartAsync(CancellationToken.None);
        try
        {
            for (int i = 1; i <= 6; i++)
            {
                await Wait.Eventually(() => time.DueTimes.Count == i, TimeSpan.FromSeconds(10), $"backoff {i}");
                Assert.Equal(i, source.Calls);
                if (i == 6)
                {
                    break;
                }

                time.Advance(time.DueTimes[^1]);
            }

            Assert.Equal(new[] { 1, 2, 3, 4, 5, 5 }.Select(s => TimeSpan.FromSeconds(s)), time.DueTimes);

            // One READY poll resets the sequence.
            source.Script.Enqueue(SourceStatus.Ready);
            time.Advance(TimeSpan.FromSeconds(5));
            await Wait.Eventually(() => time.DueTimes.Count == 7, TimeSpan.FromSeconds(10), "backoff after ready");
            Assert.Equal(TimeSpan.FromSeconds(1), time.DueTimes[^1]);
            Assert.Equal(8, source.Calls);
        }
        finally
        {
            await runner.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Unexpected_exception_is_logged_and_sleeps_maxBackoffSleep()
    {
        var source = new ScriptedPollable();
        source.Failures.Enqueue(new InvalidOperationException("boom"));
        var time = new RecordingTimeProvider();
        var runner = new PollableSourceRunner(source, new PollableSourceOptions(1000, 4000), _log.CreateLogger("r"), time);
        await runner.StartAsync(CancellationToken.None);
        try
        {
            await Wait.Eventually(() => time.DueTimes.Count == 1, TimeSpan.FromSeconds(10), "sleep after failure");
            Assert.Equal(TimeSpan.FromSeconds(4), time.DueTimes[0]);
            Assert.Equal(1, _log.Count(LogLevel.Error, "Unhandled exception, logging and sleeping for 4000ms: boom"));
            time.Advance(TimeSpan.FromSeconds(4));
            await Wait.Eventually(() => source.Calls == 2, TimeSpan.FromSeconds(10), "next poll");
        }
        finally
        {
            await runner.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(1, source.Stops);
    }

    /// <summary>Returns BACKOFF unless told otherwise; throws queued failures first.</summary>
    private sealed class ScriptedPollable : IPollableSource
    {
        private int _calls;

        public Queue<SourceStatus> Script { get; } = new();

        public Queue<Exception> Failures { get; } = new();

        public int Calls => Volatile.Read(ref _calls);

        public int Stops { get; private set; }

        public string Name => "r1";

        public LifecycleState State { get; private set; }

        public ValueTask<SourceStatus> ProcessAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            lock (Script)
            {
                if (Failures.TryDequeue(out var ex))
                {
                    throw ex;
                }

                return ValueTask.FromResult(Script.TryDequeue(out var s) ? s : SourceStatus.Backoff);
            }
        }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            State = LifecycleState.Start;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Stops++;
            State = LifecycleState.Stop;
            return Task.CompletedTask;
        }
    }
}
