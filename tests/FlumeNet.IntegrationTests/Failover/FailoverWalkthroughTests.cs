using FlumeNet.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace FlumeNet.IntegrationTests.Failover;

/// <summary>
/// The reference walkthrough (seed README) with real flume-ng processes: the agent's failover group
/// {k1 → collector1 (priority 10), k2 → collector2 (priority 1)} with <c>processor.maxpenalty = 1000</c>,
/// through SIGKILLs and restarts of the collectors. Real Flume 1.11 needs up to ~20 s to fail over and ~40 s
/// to fail back with a trickle of lines (observed/flume-1.11-failover-fast); FlumeNet must do both within
/// about a second, without losing a line and duplicating at most one exec batch per fault.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class FailoverWalkthroughTests(ITestOutputHelper output)
{
    private const string AllFailed = "All sinks failed to process";
    private const string K1Parked = "Sink k1 failed and has been sent to failover list";
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(10);

    [Fact]
    public void Walkthrough_fails_over_fails_back_and_holds_events_while_both_collectors_are_down()
    {
        using var s = new FailoverScenario(maxPenaltyMs: 1000);
        s.StartCollector(1);
        s.StartCollector(2);
        s.StartAgent();

        // 1. Both up: everything goes to collector1 (priority 10).
        var step1 = s.Append(1);
        s.WaitAllDelivered(Delivery);
        Assert.All(step1, b => Assert.Contains(b, s.Received(1)));
        Assert.DoesNotContain(s.Received(2), step1.Contains);

        // 2. collector1 SIGKILLed: the lines appended after the kill reach collector2, promptly.
        var killedAt = s.Kill9(1);
        var c2First = s.Received(2).Count;
        var step2 = s.Append(2);
        s.WaitAllDelivered(Delivery);
        Assert.All(step2, b => Assert.Contains(b, s.Received(2)));
        var collector2 = CurrentCollector2FirstEvent(s, c2First);
        Assert.True(collector2 - killedAt < TimeSpan.FromSeconds(3), $"failover took {(collector2 - killedAt).TotalMilliseconds:0} ms\n{s.Report()}");
        output.WriteLine($"failover gap (SIGKILL of collector1 -> first event at collector2): {(collector2 - killedAt).TotalMilliseconds:0} ms");

        // 3. collector1 back: once its penalty (≤ 1 s) has passed, lines go to collector1 again.
        var restarted = s.StartCollector(1);
        var listeningAt = FailoverScenario.LogTime(restarted.WaitForLine("Avro RPC server listening on", TimeSpan.FromSeconds(1)));
        var trickled = new List<string>();
        Retry.Until(
            () =>
            {
                if (LoggerLines.Bodies(restarted.Lines).Count > 0)
                {
                    return true;
                }

                trickled.Add(s.AppendOne(3));
                Thread.Sleep(100); // one line every 100 ms until one reaches collector1
                return false;
            },
            TimeSpan.FromSeconds(10),
            () => $"no line reached the restarted collector1\n{s.Report()}");
        var failback = FailoverScenario.FirstEventAt(restarted)!.Value - listeningAt;
        Assert.True(failback < TimeSpan.FromSeconds(3), $"failback took {failback.TotalMilliseconds:0} ms after collector1 listened again\n{s.Report()}");
        output.WriteLine($"failback delay (collector1 listening again -> first event at it): {failback.TotalMilliseconds:0} ms, {trickled.Count} line(s) trickled");
        var step3 = s.Append(3);
        s.WaitAllDelivered(Delivery);
        Assert.All(step3, b => Assert.Contains(b, LoggerLines.Bodies(restarted.Lines)));
        Assert.DoesNotContain(s.Received(2), step3.Contains);

        // 4. Both SIGKILLed: the agent fails on both sinks and keeps the lines.
        var allFailedBefore = s.Agent.CountLines(AllFailed);
        s.Kill9(1);
        s.Kill9(2);
        var step4 = s.Append(4);
        Retry.Until(() => s.Agent.CountLines(AllFailed) > allFailedBefore, Delivery, () => $"the agent never reported that all sinks failed\n{s.Report()}");
        Assert.Equal(step4, s.Undelivered().Intersect(step4));

        // 5. Only collector2 back: it gets the held lines and the new ones; collector1 none of them.
        var c2Back = s.StartCollector(2);
        var step5 = s.Append(5);
        s.WaitAllDelivered(Delivery);
        Assert.All(step4.Concat(step5), b => Assert.Contains(b, LoggerLines.Bodies(c2Back.Lines)));
        Assert.DoesNotContain(s.Received(1), b => step4.Contains(b) || step5.Contains(b));

        // Nothing lost (checked by each WaitAllDelivered); at most one exec batch duplicated per fault
        // (two faults interrupted a delivering sink: the kill of collector1, the kill of both).
        var duplicates = s.Duplicates();
        Assert.True(duplicates.Values.All(n => n == 1), $"a line was delivered more than twice: {string.Join(' ', duplicates)}");
        Assert.True(duplicates.Count <= 2 * FailoverScenario.ExecBatchSize, $"{duplicates.Count} duplicated lines: {string.Join(' ', duplicates.Keys)}");
        foreach (var step in new[] { step1, step2, trickled, step3, step4, step5 })
        {
            Assert.True(step.Count(duplicates.ContainsKey) <= FailoverScenario.ExecBatchSize, $"duplicates: {string.Join(' ', duplicates.Keys)}");
        }

        output.WriteLine($"duplicated lines: {duplicates.Count}");
        Assert.Empty(s.AgentStackTraceLines());
    }

    [Fact]
    public void Seed_file_as_is_warns_about_maxpenality_and_fails_back_only_after_the_default_penalty()
    {
        using var s = new FailoverScenario(maxPenaltyMs: null);
        s.StartCollector(1);
        s.StartCollector(2);
        var agent = s.StartAgent();
        var warning = agent.WaitForLine("priority.maxpenality", TimeSpan.FromSeconds(1));
        Assert.Contains("WARN", warning, StringComparison.Ordinal);
        Assert.Contains("30000", warning, StringComparison.Ordinal);

        var step1 = s.Append(1);
        s.WaitAllDelivered(Delivery);
        Assert.All(step1, b => Assert.Contains(b, s.Received(1)));

        s.Kill9(1);
        var step2 = s.Append(2);
        s.WaitAllDelivered(Delivery);
        Assert.All(step2, b => Assert.Contains(b, s.Received(2)));
        var parkedAt = FailoverScenario.LogTime(agent.WaitForLine(K1Parked, TimeSpan.FromSeconds(1)));

        // collector1 is back well within k1's first penalty (min(30000, 2^1 × 1000) = 2 s): k1 is not
        // retried before the penalty has passed, and is retried (and fails back) right after it.
        var restarted = s.StartCollector(1);
        Retry.Until(
            () =>
            {
                if (LoggerLines.Bodies(restarted.Lines).Count > 0)
                {
                    return true;
                }

                s.AppendOne(3);
                Thread.Sleep(100); // one line every 100 ms until one reaches collector1
                return false;
            },
            TimeSpan.FromSeconds(10),
            () => $"no line reached the restarted collector1\n{s.Report()}");
        var failback = FailoverScenario.FirstEventAt(restarted)!.Value - parkedAt;
        var listening = FailoverScenario.LogTime(restarted.WaitForLine("Avro RPC server listening on", TimeSpan.FromSeconds(1))) - parkedAt;
        output.WriteLine($"k1 parked -> collector1 listening again: {listening.TotalMilliseconds:0} ms; -> first event at it: {failback.TotalMilliseconds:0} ms (penalty 2000 ms)");

        // Retries are due 2, 2+4, 2+4+8, … s after k1 was parked; the first one after collector1 is back succeeds.
        var due = TimeSpan.FromSeconds(2);
        for (var penalty = TimeSpan.FromSeconds(4); due < listening; penalty *= 2)
        {
            due += penalty;
        }

        Assert.InRange(failback, TimeSpan.FromMilliseconds(1900), due + TimeSpan.FromMilliseconds(1500));
        s.WaitAllDelivered(Delivery);
        Assert.True(s.Duplicates().Count <= FailoverScenario.ExecBatchSize, $"duplicated: {string.Join(' ', s.Duplicates().Keys)}");
        Assert.Empty(s.AgentStackTraceLines());
    }

    [Fact]
    public void Agent_keeps_events_while_both_collectors_are_down_and_delivers_them_to_the_first_back()
    {
        using var s = new FailoverScenario(maxPenaltyMs: 1000);
        s.StartAgent(); // neither collector is running
        var start = DateTime.Now;
        var lines = s.Append(1);
        Retry.Until(() => s.Agent.CountLines(AllFailed) > 0, Delivery, () => $"the agent never reported that all sinks failed\n{s.Report()}");

        // Five seconds without any collector: the agent keeps running and keeps the lines.
        Retry.Until(() => s.Agent.HasExited || DateTime.Now - start >= TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), "clock");
        Assert.False(s.Agent.HasExited, $"the agent exited\n{s.Report()}");
        Assert.Equal(lines, s.Undelivered());

        var c2 = s.StartCollector(2);
        s.WaitAllDelivered(Delivery);
        Assert.Equal(lines, LoggerLines.Bodies(c2.Lines));
        Assert.Empty(s.Duplicates());
        Assert.Empty(s.AgentStackTraceLines());
    }

    /// <summary>Log time of the first event collector2 printed after it had printed <paramref name="before"/> events.</summary>
    private static DateTime CurrentCollector2FirstEvent(FailoverScenario s, int before)
    {
        _ = s.Received(2)[before]; // exists: the caller waited for delivery
        var proc = s.Collector(2, 0);
        var line = proc.Lines.Where(l => l.Contains("Event: {", StringComparison.Ordinal)).ElementAt(before);
        return FailoverScenario.LogTime(line);
    }
}
