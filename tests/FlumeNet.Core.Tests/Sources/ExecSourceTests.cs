using System.Globalization;
using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using FlumeNet.Sources;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Sources;

public sealed class ExecSourceTests
{
    private readonly LogCapture _log = new();

    private static ComponentContext SourceCtx(params (string Key, string Value)[] props) => Ctx.Named("r1", "a1.sources.r1.", props);

    private ExecSource Shell(IChannel ch, string command, params (string Key, string Value)[] extra)
    {
        var ctx = SourceCtx([("type", "exec"), ("shell", "/bin/sh -c"), ("command", command), .. extra]);
        var source = new ExecSource("r1", Replicating(ch), ctx, _log, TimeProvider.System);
        Assert.False(ctx.HasErrors, string.Join("; ", ctx.Problems));
        return source;
    }

    private static async Task<List<string>> Collect(IChannel ch, int expected, TimeSpan timeout)
    {
        var got = new List<string>();
        await Wait.Until(
            () =>
            {
                got.AddRange(Drain(ch));
                return got.Count >= expected;
            },
            timeout);
        return got;
    }

    [Fact]
    public async Task Lines_with_any_terminator_become_events_in_order()
    {
        var ch = Memory();
        var source = Shell(ch, @"printf 'a\nb\r\nc\rd'");
        await source.StartAsync(CancellationToken.None);
        try
        {
            var got = await Collect(ch, 4, TimeSpan.FromSeconds(10));
            Assert.Equal(["a", "b", "c", "d"], got);
            await Wait.Eventually(() => _log.Count(LogLevel.Information, "exited with 0") == 1, TimeSpan.FromSeconds(10), "exit logged");
            Assert.Empty(Drain(ch));
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Command_without_shell_is_split_on_whitespace()
    {
        var ch = Memory();
        var ctx = SourceCtx(("command", "echo  one   two"));
        var source = new ExecSource("r1", Replicating(ch), ctx, _log, TimeProvider.System);
        await source.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal(["one two"], await Collect(ch, 1, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Thousand_lines_arrive_in_order_exactly_once()
    {
        var ch = Memory(capacity: 2000, txCapacity: 100);
        var source = Shell(ch, "seq 1 1000", ("batchSize", "20"));
        await source.StartAsync(CancellationToken.None);
        try
        {
            await Wait.Eventually(() => _log.Count(LogLevel.Information, "exited with") == 1, TimeSpan.FromSeconds(20), "command exit");
            var got = Drain(ch);
            Assert.Equal(Enumerable.Range(1, 1000).Select(i => i.ToString(CultureInfo.InvariantCulture)), got);
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_trickle_is_flushed_without_waiting_for_batchTimeout()
    {
        var ch = Memory();
        var source = Shell(ch, "echo 1; sleep 0.3; echo 2; sleep 30", ("batchSize", "20"), ("batchTimeout", "60000"));
        await source.StartAsync(CancellationToken.None);
        try
        {
            // The command is still running (sleep 30) and the batch is far from full: only the
            // "nothing more to read" flush can deliver these lines.
            Assert.Equal(["1", "2"], await Collect(ch, 2, TimeSpan.FromSeconds(10)));
            Assert.Equal(0, _log.Count(LogLevel.Information, "exited with"));
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_channel_full_for_a_while_loses_no_line()
    {
        var ch = Memory(capacity: 10, txCapacity: 10, keepAliveSeconds: 0);
        var source = Shell(ch, "seq 1 300", ("batchSize", "5"));
        await source.StartAsync(CancellationToken.None);
        try
        {
            await Wait.Eventually(() => ch.Size == 10 && _log.Count(LogLevel.Warning, "refused a batch") > 0, TimeSpan.FromSeconds(10), "channel full and source holding a batch");

            // Now a consumer starts.
            var got = await Collect(ch, 300, TimeSpan.FromSeconds(60));
            Assert.Equal(Enumerable.Range(1, 300).Select(i => i.ToString(CultureInfo.InvariantCulture)), got);
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Restart_runs_the_command_again()
    {
        var ch = Memory(capacity: 1000, txCapacity: 100);
        var source = Shell(ch, "echo x", ("restart", "true"), ("restartThrottle", "50"));
        await source.StartAsync(CancellationToken.None);
        try
        {
            var got = await Collect(ch, 3, TimeSpan.FromSeconds(20));
            Assert.True(got.Count >= 3);
            Assert.All(got, l => Assert.Equal("x", l));
            Assert.True(_log.Count(LogLevel.Information, "Restarting in 50ms, exit code 0") >= 2);
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Without_restart_the_source_ends_after_one_run()
    {
        var ch = Memory();
        var source = Shell(ch, "echo once");
        await source.StartAsync(CancellationToken.None);
        try
        {
            await Wait.Eventually(() => _log.Count(LogLevel.Information, "Command [echo once] exited with 0") == 1, TimeSpan.FromSeconds(10), "exit");
            Assert.Equal(["once"], Drain(ch));
            Assert.Equal(0, _log.Count(LogLevel.Information, "Restarting"));
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Stop_is_prompt_and_kills_the_command()
    {
        var ch = Memory();
        var source = Shell(ch, "echo started; sleep 60");
        await source.StartAsync(CancellationToken.None);
        Assert.Equal(["started"], await Collect(ch, 1, TimeSpan.FromSeconds(10)));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await source.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(6));
        Assert.Equal(LifecycleState.Stop, source.State);
    }

    [Fact]
    public async Task Charset_decodes_output_and_re_encodes_each_line()
    {
        var ch = Memory();
        var source = Shell(ch, @"printf 'caf\351\n'", ("charset", "ISO-8859-1"));
        await source.StartAsync(CancellationToken.None);
        try
        {
            await Wait.Eventually(() => ch.Size == 1, TimeSpan.FromSeconds(10), "one line");
            using var tx = ch.BeginTransaction();
            Assert.Equal(new byte[] { 0x63, 0x61, 0x66, 0xE9 }, tx.Take()!.BodyArray);
            tx.Commit();
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Unknown_charset_is_a_configuration_error()
    {
        var ctx = SourceCtx(("command", "true"), ("charset", "no-such-charset"));
        _ = new ExecSource("r1", Replicating(Memory()), ctx, _log, TimeProvider.System);
        var e = Assert.Single(ctx.Problems);
        Assert.Equal(ProblemSeverity.Error, e.Severity);
        Assert.Equal("a1.sources.r1.charset", e.Key);
    }

    [Fact]
    public void Missing_command_is_a_configuration_error()
    {
        var ctx = SourceCtx(("type", "exec"));
        _ = new ExecSource("r1", Replicating(Memory()), ctx, _log, TimeProvider.System);
        Assert.Equal("a1.sources.r1.command", Assert.Single(ctx.Problems).Key);
    }

    [Fact]
    public void BatchSize_above_channel_transaction_capacity_is_rejected_by_the_builder()
    {
        var agent = new AgentConfiguration(
            "a1",
            [new ComponentConfig("c1", "memory", Props(("type", "memory"), ("capacity", "100"), ("transactionCapacity", "10")), "a1.channels.c1.")],
            [new SourceConfig(new ComponentConfig("r1", "exec", Props(("type", "exec"), ("command", "true"), ("batchSize", "20"), ("channels", "c1")), "a1.sources.r1."), ["c1"])],
            [new SinkConfig(new ComponentConfig("k1", "null", Props(("type", "null"), ("channel", "c1"), ("batchSize", "10")), "a1.sinks.k1."), "c1")],
            []);
        var built = new AgentBuilder(ComponentRegistry.Default, new BuildServices(_log, TimeProvider.System, new Dictionary<string, string>())).Build(agent);

        Assert.Empty(built.SourceRunners);
        var e = Assert.Single(built.Problems, p => p.Key == "a1.sources.r1.batchSize");
        Assert.Equal(ProblemSeverity.Error, e.Severity);
        Assert.Contains("batch size = 20", e.Message);
        Assert.Contains("transaction capacity = 10", e.Message);
        Assert.Contains(built.Problems, p => p.Message == "Source r1 has been removed due to an error during configuration");
        Assert.Single(built.SinkRunners);
    }

    private static Dictionary<string, string> Props(params (string Key, string Value)[] p) => p.ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal);
}
