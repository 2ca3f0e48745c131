using System.Globalization;
using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using FlumeNet.Sources;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Sources;

public sealed class SequenceGeneratorSourceTests
{
    private readonly LogCapture _log = new();

    private SequenceGeneratorSource Create(IChannel ch, params (string Key, string Value)[] props)
    {
        var ctx = Ctx.Named("r1", "a1.sources.r1.", props);
        var s = new SequenceGeneratorSource("r1", Replicating(ch), ctx, _log);
        Assert.False(ctx.HasErrors, string.Join("; ", ctx.Problems));
        return s;
    }

    [Theory]
    [InlineData("1")]
    [InlineData("3")]
    [InlineData("100")]
    public async Task Runner_honours_totalEvents_with_bodies_0_to_n_minus_1(string batchSize)
    {
        var ch = Memory(capacity: 1000, txCapacity: 100);
        var source = Create(ch, ("totalEvents", "10"), ("batchSize", batchSize));
        var time = new RecordingTimeProvider();
        var runner = new PollableSourceRunner(source, source.PollOptions, _log.CreateLogger("runner"), time);
        await runner.StartAsync(CancellationToken.None);
        try
        {
            await Wait.Eventually(() => ch.Size == 10 && time.DueTimes.Count > 0, TimeSpan.FromSeconds(10), "10 events then a backoff");
            Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)), Drain(ch));
            time.Advance(TimeSpan.FromSeconds(30));
            await Wait.Eventually(() => time.DueTimes.Count >= 2, TimeSpan.FromSeconds(10), "second backoff");
            Assert.Equal(0, ch.Size);
        }
        finally
        {
            await runner.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(LifecycleState.Stop, source.State);
    }

    [Fact]
    public async Task Put_failure_is_logged_and_the_same_numbers_are_retried()
    {
        var ch = Memory(capacity: 2, txCapacity: 2, keepAliveSeconds: 0);
        var source = Create(ch, ("batchSize", "2"));
        Assert.Equal(SourceStatus.Ready, await source.ProcessAsync(CancellationToken.None));
        Assert.Equal(SourceStatus.Backoff, await source.ProcessAsync(CancellationToken.None));
        Assert.Equal(1, _log.Count(LogLevel.Error, "r1 source could not write to channel"));
        Assert.Equal(["0", "1"], Drain(ch));
        Assert.Equal(SourceStatus.Ready, await source.ProcessAsync(CancellationToken.None));
        Assert.Equal(["2", "3"], Drain(ch));
    }

    [Fact]
    public void Invalid_batchSize_is_an_error_and_poll_options_are_read()
    {
        var bad = Ctx.Named("r1", "a1.sources.r1.", ("batchSize", "0"));
        _ = new SequenceGeneratorSource("r1", Replicating(Memory()), bad, _log);
        Assert.Equal("a1.sources.r1.batchSize", Assert.Single(bad.Problems).Key);

        var source = Create(Memory(), ("backoffSleepIncrement", "250"), ("maxBackoffSleep", "750"));
        Assert.Equal(new PollableSourceOptions(250, 750), source.PollOptions);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(7L, "7")]
    [InlineData(1234567890123L, "1234567890123")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    public void Bodies_are_the_ascii_decimal_digits(long i, string expected)
    {
        Assert.Equal(System.Text.Encoding.ASCII.GetBytes(expected), SequenceGeneratorSource.Body(i));
    }
}
