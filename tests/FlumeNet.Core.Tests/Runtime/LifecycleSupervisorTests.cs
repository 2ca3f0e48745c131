using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Core.Tests.Runtime;

public sealed class LifecycleSupervisorTests
{
    private readonly LogCapture _log = new();

    [Fact]
    public async Task Component_failing_twice_is_started_on_the_third_attempt_3_s_apart()
    {
        var time = new RecordingTimeProvider();
        var supervisor = new LifecycleSupervisor(_log.CreateLogger("sup"), time);
        var c = new FlakyComponent(failures: 2);
        var started = supervisor.Supervise(c);

        await Wait.Eventually(() => c.Attempts == 1 && time.DueTimes.Count == 1, TimeSpan.FromSeconds(10), "first attempt");
        Assert.False(started.IsCompleted);
        Assert.Equal(1, _log.Count(LogLevel.Error, "Unable to start flaky - port 4141 in use"));

        time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.Equal(1, c.Attempts);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await Wait.Eventually(() => c.Attempts == 2 && time.DueTimes.Count == 2, TimeSpan.FromSeconds(10), "second attempt");
        Assert.False(started.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(3));
        await started.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, c.Attempts);
        Assert.Equal(LifecycleState.Start, c.State);
        Assert.Equal(2, _log.Count(LogLevel.Error, "Unable to start flaky"));
        Assert.All(time.DueTimes, d => Assert.Equal(TimeSpan.FromSeconds(3), d));

        await supervisor.UnsuperviseAsync(c, CancellationToken.None);
        Assert.Equal(LifecycleState.Stop, c.State);
        Assert.Equal(1, _log.Count(LogLevel.Information, "Stopping component: flaky"));
    }

    [Fact]
    public async Task Unsupervising_a_component_that_never_started_stops_retrying()
    {
        var time = new RecordingTimeProvider();
        var supervisor = new LifecycleSupervisor(_log.CreateLogger("sup"), time);
        var c = new FlakyComponent(failures: int.MaxValue);
        var started = supervisor.Supervise(c);
        await Wait.Eventually(() => time.DueTimes.Count == 1, TimeSpan.FromSeconds(10), "first attempt");

        await supervisor.UnsuperviseAsync(c, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => started.WaitAsync(TimeSpan.FromSeconds(10)));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, c.Attempts);
    }

    private sealed class FlakyComponent(int failures) : IComponent
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public string Name => "flaky";

        public LifecycleState State { get; private set; } = LifecycleState.Idle;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _attempts) <= failures)
            {
                throw new IOException("port 4141 in use");
            }

            State = LifecycleState.Start;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            State = LifecycleState.Stop;
            return Task.CompletedTask;
        }
    }
}
