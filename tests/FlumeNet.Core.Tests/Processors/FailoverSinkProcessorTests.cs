using FlumeNet.Configuration;
using FlumeNet.Processors;
using Microsoft.Extensions.Time.Testing;

namespace FlumeNet.Core.Tests.Processors;

public sealed class FailoverSinkProcessorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ListLogger _log = new();

    [Theory]
    [InlineData(1, 30000, 2000)]
    [InlineData(2, 30000, 4000)]
    [InlineData(3, 30000, 8000)]
    [InlineData(4, 30000, 16000)]
    [InlineData(5, 30000, 30000)]
    [InlineData(22, 30000, 30000)]
    [InlineData(28, 30000, 30000)]
    [InlineData(31, 30000, 30000)]
    [InlineData(32, 30000, 30000)]
    [InlineData(10000, 30000, 30000)]
    [InlineData(int.MaxValue, 30000, 30000)]
    [InlineData(1, 1000, 1000)]
    [InlineData(30, int.MaxValue, int.MaxValue)]
    [InlineData(20, int.MaxValue, 1_048_576_000L)]
    [InlineData(10000, int.MaxValue, int.MaxValue)]
    [InlineData(3, 0, 0)]
    public void Penalty_is_capped_and_never_overflows(int failures, int maxPenalty, long expected)
    {
        Assert.Equal(expected, FailoverSinkProcessor.PenaltyMs(failures, maxPenalty));
    }

    [Fact]
    public async Task Active_sink_failure_fails_over_within_the_same_call()
    {
        var (k1, k2, p) = TwoSinks();
        k1.Script = SinkScript.Fail;

        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));

        Assert.Equal(1, k1.Calls);
        Assert.Equal(1, k2.Calls);
        Assert.Same(k2, p.ActiveSink);
        var parked = Assert.Single(p.FailedSinks);
        Assert.Equal(("k1", 1, _time.GetUtcNow().AddSeconds(2)), parked);
        Assert.Contains("Warning Sink k1 failed and has been sent to failover list: Failed to send events: Connection refused (k1)", _log.Lines);
    }

    [Fact]
    public async Task Penalty_sequence_is_2_4_8_16_seconds_then_the_cap()
    {
        var (k1, k2, p) = TwoSinks();
        k1.Script = SinkScript.Fail;
        await p.ProcessAsync(default);

        long[] expected = [2000, 4000, 8000, 16000, 30000, 30000, 30000];
        for (var i = 0; i < expected.Length; i++)
        {
            var (_, failures, retryAt) = Assert.Single(p.FailedSinks);
            Assert.Equal(i + 1, failures);
            Assert.Equal(TimeSpan.FromMilliseconds(expected[i]), retryAt - _time.GetUtcNow());

            // Not due yet: k1 is left alone, k2 delivers.
            _time.Advance(TimeSpan.FromMilliseconds(expected[i] - 1));
            var k1Calls = k1.Calls;
            Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
            Assert.Equal(k1Calls, k1.Calls);

            // Due: k1 retried (fails again), and the same call continues with k2.
            _time.Advance(TimeSpan.FromMilliseconds(1));
            var k2Calls = k2.Calls;
            Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
            Assert.Equal(k1Calls + 1, k1.Calls);
            Assert.Equal(k2Calls + 1, k2.Calls);
        }
    }

    [Fact]
    public async Task Maxpenalty_caps_every_penalty()
    {
        var (k1, _, p) = TwoSinks(("maxpenalty", "1000"));
        k1.Script = SinkScript.Fail;
        for (var i = 0; i < 5; i++)
        {
            await p.ProcessAsync(default);
            Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(p.FailedSinks).RetryAt - _time.GetUtcNow());
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task Higher_priority_sink_fails_back_after_its_penalty()
    {
        var (k1, k2, p) = TwoSinks();
        k1.Script = SinkScript.Fail;
        await p.ProcessAsync(default);
        k1.Script = SinkScript.Ready;

        _time.Advance(TimeSpan.FromMilliseconds(1999));
        await p.ProcessAsync(default);
        Assert.Same(k2, p.ActiveSink);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var k2Calls = k2.Calls;
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Equal(k2Calls, k2.Calls); // the retry answer ends the call
        Assert.Same(k1, p.ActiveSink);
        Assert.Empty(p.FailedSinks);
        Assert.Contains("Information Sink k1 was recovered from the fail list", _log.Lines);

        await p.ProcessAsync(default);
        Assert.Equal(3, k1.Calls);
        Assert.Equal(k2Calls, k2.Calls);
    }

    [Fact]
    public async Task Backoff_is_not_a_failure()
    {
        var (k1, k2, p) = TwoSinks();
        k1.Script = SinkScript.Backoff;

        Assert.Equal(SinkStatus.Backoff, await p.ProcessAsync(default));
        Assert.Equal(SinkStatus.Backoff, await p.ProcessAsync(default));

        Assert.Same(k1, p.ActiveSink);
        Assert.Empty(p.FailedSinks);
        Assert.Equal(0, k2.Calls);
    }

    [Fact]
    public async Task Retried_sink_answering_backoff_keeps_its_slot_and_the_active_sink_still_runs()
    {
        var (k1, k2, p) = TwoSinks();
        k1.Script = SinkScript.Fail;
        await p.ProcessAsync(default);
        var parked = Assert.Single(p.FailedSinks);

        _time.Advance(TimeSpan.FromSeconds(3));
        k1.Script = SinkScript.Backoff;
        var k2Calls = k2.Calls;
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Equal(parked, Assert.Single(p.FailedSinks)); // same n, same retryAt
        Assert.Equal(k2Calls + 1, k2.Calls);

        // Still due: tried first on the next call, and recovers once it delivers.
        k1.Script = SinkScript.Ready;
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Same(k1, p.ActiveSink);
        Assert.Equal(k2Calls + 1, k2.Calls);
    }

    [Fact]
    public async Task Retried_sink_backoff_is_returned_when_no_sink_is_live()
    {
        var (k1, k2, p) = TwoSinks();
        k1.Script = SinkScript.Fail;
        k2.Script = SinkScript.Fail;
        await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());

        _time.Advance(TimeSpan.FromSeconds(2));
        k1.Script = SinkScript.Backoff;
        Assert.Equal(SinkStatus.Backoff, await p.ProcessAsync(default));
        Assert.Equal(2, p.FailedSinks.Count);
    }

    [Fact]
    public async Task All_sinks_down_throws_then_delivery_resumes_when_one_comes_back()
    {
        var (k1, k2, p) = TwoSinks();
        k1.Script = SinkScript.Fail;
        k2.Script = SinkScript.Fail;

        var ex = await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());
        Assert.Equal("All sinks failed to process, nothing left to failover to", ex.Message);
        Assert.Null(p.ActiveSink);
        Assert.Equal(["k1", "k2"], p.FailedSinks.Select(f => f.Sink));

        // Nothing due: throws again without touching the sinks.
        _time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());
        Assert.Equal(1, k1.Calls);
        Assert.Equal(1, k2.Calls);

        // k2 comes back first: both due, k1 (earliest) retried and fails, k2 delivers and becomes active.
        k2.Script = SinkScript.Ready;
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Same(k2, p.ActiveSink);
        Assert.Equal(2, k1.Calls);

        // k1 comes back later and takes over at its next due retry.
        k1.Script = SinkScript.Ready;
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Same(k1, p.ActiveSink);
        Assert.Empty(p.FailedSinks);
    }

    [Fact]
    public async Task Ten_thousand_consecutive_failures_do_not_overflow()
    {
        var k1 = new ScriptedSink("k1") { Script = SinkScript.Fail };
        var p = Build([k1]);
        for (var i = 0; i < 10_000; i++)
        {
            await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());
            var (_, failures, retryAt) = Assert.Single(p.FailedSinks);
            Assert.Equal(i + 1, failures);
            var penalty = retryAt - _time.GetUtcNow();
            Assert.True(penalty >= TimeSpan.FromSeconds(2) && penalty <= TimeSpan.FromSeconds(30), $"penalty {penalty} after {failures} failures");
            _time.Advance(penalty);
        }

        Assert.Equal(10_000, k1.Calls);
        k1.Script = SinkScript.Ready;
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Same(k1, p.ActiveSink);
    }

    [Fact]
    public async Task Probe_gates_the_retry_while_the_active_sink_keeps_delivering()
    {
        var k1 = new ProbeableScriptedSink("k1") { Script = SinkScript.Fail };
        var k2 = new ScriptedSink("k2");
        var p = Build([k1, k2], ("priority.k1", "10"), ("priority.k2", "1"));
        await p.ProcessAsync(default);
        Assert.Equal(1, k1.Calls);

        // Due: the probe starts in the background; k2 delivers in the same call.
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        await WaitUntil(() => k1.Probes == 1);
        Assert.Equal(1, k1.Calls);
        Assert.Equal(2, k2.Calls);

        // Probe pending: still k2, no second probe.
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Equal(3, k2.Calls);
        Assert.Equal(1, k1.Probes);

        // Probe false: a failed retry (n = 2, next in 4 s), k1 gets no traffic.
        k1.CompleteProbe(false);
        await p.WhenProbesSettledAsync();
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Equal(1, k1.Calls);
        Assert.Equal(4, k2.Calls);
        var (_, failures, retryAt) = Assert.Single(p.FailedSinks);
        Assert.Equal(2, failures);
        Assert.Equal(TimeSpan.FromSeconds(4), retryAt - _time.GetUtcNow());

        // A probe that throws counts as a failed retry too.
        _time.Advance(TimeSpan.FromSeconds(4));
        await p.ProcessAsync(default);
        await WaitUntil(() => k1.Probes == 2);
        k1.FailProbe(new TimeoutException("connect timed out"));
        await p.WhenProbesSettledAsync();
        await p.ProcessAsync(default);
        Assert.Equal(3, Assert.Single(p.FailedSinks).Failures);
        Assert.Equal(1, k1.Calls);

        // Probe true: k1 gets the real traffic and fails back; k2 is not called in that call.
        _time.Advance(TimeSpan.FromSeconds(8));
        k1.Script = SinkScript.Ready;
        await p.ProcessAsync(default);
        await WaitUntil(() => k1.Probes == 3);
        k1.CompleteProbe(true);
        await p.WhenProbesSettledAsync();
        var k2Calls = k2.Calls;
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Equal(2, k1.Calls);
        Assert.Equal(k2Calls, k2.Calls);
        Assert.Same(k1, p.ActiveSink);
    }

    [Fact]
    public async Task Failed_real_retry_after_a_good_probe_needs_a_new_probe()
    {
        var k1 = new ProbeableScriptedSink("k1") { Script = SinkScript.Fail, ImmediateProbeResult = true };
        var k2 = new ScriptedSink("k2");
        var p = Build([k1, k2]);
        await p.ProcessAsync(default);

        _time.Advance(TimeSpan.FromSeconds(2));
        await p.ProcessAsync(default); // starts the probe
        await p.WhenProbesSettledAsync();
        await p.ProcessAsync(default); // probe true → real retry → fails
        Assert.Equal(2, k1.Calls);
        Assert.Equal(2, Assert.Single(p.FailedSinks).Failures);
        Assert.Equal(1, k1.Probes);
    }

    [Fact]
    public async Task With_no_live_sink_the_probe_is_awaited_in_the_call()
    {
        var k1 = new ProbeableScriptedSink("k1") { Script = SinkScript.Fail, ImmediateProbeResult = true };
        var k2 = new ScriptedSink("k2") { Script = SinkScript.Fail };
        var p = Build([k1, k2]);
        await Assert.ThrowsAsync<EventDeliveryException>(() => p.ProcessAsync(default).AsTask());

        k1.Script = SinkScript.Ready;
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(SinkStatus.Ready, await p.ProcessAsync(default));
        Assert.Same(k1, p.ActiveSink);
        Assert.Equal(1, k1.Probes);
    }

    [Fact]
    public void Unprioritised_sinks_are_numbered_in_config_order()
    {
        var ctx = TestConfig.Context(("type", "failover"));
        var settings = FailoverSinkProcessor.Validate("g1", ["kb", "ka", "kc"], ctx);

        Assert.Equal(
            [new FailoverPriority("kb", -1, true), new FailoverPriority("ka", -2, true), new FailoverPriority("kc", -3, true)],
            settings.Priorities);
        Assert.Empty(ctx.Problems);

        var kb = new ScriptedSink("kb");
        var ka = new ScriptedSink("ka");
        var p = new FailoverSinkProcessor("g1", [kb, ka], settings, _time, _log);
        Assert.Same(kb, p.ActiveSink);
    }

    [Fact]
    public void Explicit_and_negative_priorities_order_the_sinks()
    {
        var ctx = TestConfig.Context(("priority.k1", "-10"), ("priority.k2", "-5"));
        var settings = FailoverSinkProcessor.Validate("g1", ["k1", "k2"], ctx);
        var k1 = new ScriptedSink("k1");
        var k2 = new ScriptedSink("k2");
        var p = new FailoverSinkProcessor("g1", [k1, k2], settings, _time, _log);
        Assert.Same(k2, p.ActiveSink);
    }

    [Fact]
    public void Duplicate_priorities_are_an_error_naming_both_sinks()
    {
        var ctx = TestConfig.Context(("priority.k1", "5"), ("priority.k2", "5"));
        FailoverSinkProcessor.Validate("g1", ["k1", "k2"], ctx);

        var error = Assert.Single(TestConfig.Errors(ctx));
        Assert.Equal("a1.sinkgroups.g1.processor.priority.k2", error.Key);
        Assert.Contains("sink k2", error.Message, StringComparison.Ordinal);
        Assert.Contains("sink k1", error.Message, StringComparison.Ordinal);
        Assert.Contains("5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explicit_negative_priority_colliding_with_an_automatic_one_is_an_error()
    {
        var ctx = TestConfig.Context(("priority.k2", "-1"));
        FailoverSinkProcessor.Validate("g1", ["k1", "k2"], ctx);

        var error = Assert.Single(TestConfig.Errors(ctx));
        Assert.Equal("a1.sinkgroups.g1.processor.priority.k2", error.Key);
        Assert.Equal(
            "sink k2 has the configured priority -1, the same as sink k1 (automatic); the sinks of failover group g1 need distinct priorities (Flume would silently never use k2)",
            error.Message);
    }

    [Fact]
    public void Constructor_from_context_throws_on_configuration_errors()
    {
        var ctx = TestConfig.Context(("priority.k1", "5"), ("priority.k2", "5"));
        Assert.Throws<ConfigurationException>(() => new FailoverSinkProcessor("g1", [new ScriptedSink("k1"), new ScriptedSink("k2")], ctx, _time, _log));
    }

    [Fact]
    public void Misspelt_maxpenalty_as_a_priority_warns_with_the_exact_text()
    {
        var ctx = TestConfig.Context(("type", "failover"), ("priority.k1", "10"), ("priority.k2", "1"), ("priority.maxpenality", "1000"));
        var settings = FailoverSinkProcessor.Validate("g1", ["k1", "k2"], ctx);

        var warning = Assert.Single(ctx.Problems);
        Assert.Equal(ProblemSeverity.Warning, warning.Severity);
        Assert.Equal(
            "a1.sinkgroups.g1.processor.priority.maxpenality names no sink of g1 (did you mean processor.maxpenalty? the penalty cap stays at its default 30000 ms, as in Flume)",
            $"{warning.Key} {warning.Message}");
        Assert.Equal(30000, settings.MaxPenaltyMs);
    }

    [Fact]
    public void Priority_for_an_unknown_sink_suggests_the_nearest_sink()
    {
        var ctx = TestConfig.Context(("priority.k3", "10"), ("priority.collector", "1"));
        FailoverSinkProcessor.Validate("g1", ["k1", "k2"], ctx);

        var messages = TestConfig.Warnings(ctx).Select(w => $"{w.Key} {w.Message}").ToArray();
        Assert.Equal(
            [
                "a1.sinkgroups.g1.processor.priority.collector names no sink of g1 (the sinks of g1 are k1 k2; the key is ignored, as in Flume)",
                "a1.sinkgroups.g1.processor.priority.k3 names no sink of g1 (did you mean processor.priority.k1? the key is ignored, as in Flume)",
            ],
            messages);
    }

    [Fact]
    public void Priority_with_a_trailing_comment_warns_and_demotes_the_sink_like_Flume()
    {
        var ctx = TestConfig.Context(("priority.k1", "10 # primary"), ("priority.k2", "1"));
        var settings = FailoverSinkProcessor.Validate("g1", ["k1", "k2"], ctx);

        var warning = Assert.Single(ctx.Problems);
        Assert.Equal(ProblemSeverity.Warning, warning.Severity);
        Assert.Equal("a1.sinkgroups.g1.processor.priority.k1", warning.Key);
        Assert.Equal(
            "'10 # primary' is not a valid integer; sink k1 gets the automatic priority -1, as in Flume (a trailing '# ...' is part of the value in a properties file; put comments on their own line)",
            warning.Message);
        Assert.Equal([new FailoverPriority("k1", -1, true), new FailoverPriority("k2", 1, false)], settings.Priorities);
    }

    [Theory]
    [InlineData("abc", "'abc' is not a valid number; using the default 30000")]
    [InlineData("1000 # one second", "'1000 # one second' is not a valid number; using the default 30000 (a trailing '# ...' is part of the value in a properties file; put comments on their own line)")]
    public void Non_numeric_maxpenalty_warns_and_uses_30000(string value, string message)
    {
        var ctx = TestConfig.Context(("maxpenalty", value));
        var settings = FailoverSinkProcessor.Validate("g1", ["k1", "k2"], ctx);

        var warning = Assert.Single(ctx.Problems);
        Assert.Equal(("a1.sinkgroups.g1.processor.maxpenalty", message), (warning.Key, warning.Message));
        Assert.Equal(30000, settings.MaxPenaltyMs);
    }

    [Fact]
    public void Negative_maxpenalty_warns_and_uses_zero()
    {
        var ctx = TestConfig.Context(("maxpenalty", "-5"));
        var settings = FailoverSinkProcessor.Validate("g1", ["k1"], ctx);
        Assert.Equal(0, settings.MaxPenaltyMs);
        Assert.Equal(ProblemSeverity.Warning, Assert.Single(ctx.Problems).Severity);
    }

    [Fact]
    public void Unknown_processor_keys_warn_with_a_suggestion()
    {
        var ctx = TestConfig.Context(("type", "failover"), ("maxpenalti", "1000"), ("priorty.k1", "5"), ("something", "x"));
        FailoverSinkProcessor.Validate("g1", ["k1", "k2"], ctx);

        var messages = TestConfig.Warnings(ctx).Select(w => $"{w.Key} {w.Message}").ToArray();
        Assert.Equal(
            [
                "a1.sinkgroups.g1.processor.maxpenalti is not a failover processor key; ignored (did you mean processor.maxpenalty?)",
                "a1.sinkgroups.g1.processor.priorty.k1 is not a failover processor key; ignored (did you mean processor.priority.k1?)",
                "a1.sinkgroups.g1.processor.something is not a failover processor key; ignored (known keys: processor.maxpenalty, processor.priority.k1, processor.priority.k2)",
            ],
            messages);
    }

    [Fact]
    public async Task Zero_maxpenalty_retries_at_the_next_call_once_per_call()
    {
        var (k1, k2, p) = TwoSinks(("maxpenalty", "0"));
        k1.Script = SinkScript.Fail;
        await p.ProcessAsync(default);
        await p.ProcessAsync(default);
        Assert.Equal(2, k1.Calls);
        Assert.Equal(2, k2.Calls);
    }

    [Fact]
    public async Task Start_and_stop_drive_every_sink_in_list_order()
    {
        var log = new List<string>();
        var k1 = new ScriptedSink("k1", log);
        var k2 = new ProbeableScriptedSink("k2", log);
        var p = Build([k1, k2]);

        await p.StartAsync(default);
        await p.StartAsync(default);
        Assert.Equal(LifecycleState.Start, p.State);
        await p.StopAsync(default);
        await p.StopAsync(default);
        Assert.Equal(LifecycleState.Stop, p.State);
        Assert.Equal(["start k1", "start k2", "stop k1", "stop k2"], log);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(5);
        }
    }

    private (ScriptedSink K1, ScriptedSink K2, FailoverSinkProcessor Processor) TwoSinks(params (string Key, string Value)[] extra)
    {
        var k1 = new ScriptedSink("k1");
        var k2 = new ScriptedSink("k2");
        var keys = new List<(string, string)> { ("priority.k1", "10"), ("priority.k2", "1") };
        keys.AddRange(extra);
        return (k1, k2, Build([k1, k2], [.. keys]));
    }

    private FailoverSinkProcessor Build(ISink[] sinks, params (string Key, string Value)[] keys)
    {
        var ctx = TestConfig.Context(keys);
        var p = new FailoverSinkProcessor("g1", sinks, ctx, _time, _log);
        Assert.Empty(TestConfig.Errors(ctx));
        return p;
    }
}
