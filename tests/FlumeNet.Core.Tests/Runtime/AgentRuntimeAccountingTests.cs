using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Core.Tests.Runtime;

/// <summary>What a memory channel still holds when it goes away is reported with its number, at stop and at reload.</summary>
public sealed class AgentRuntimeAccountingTests
{
    private readonly LogCapture _log = new();

    private IChannel Memory(string name, int events)
    {
        var factory = (ChannelFactory)ComponentRegistry.Default.FindRegistration(ComponentKind.Channel, "memory")!.Factory!;
        var ctx = new ComponentContext(name, $"a1.channels.{name}.", new Dictionary<string, string>(StringComparer.Ordinal) { ["capacity"] = "1000" });
        var channel = factory(name, ctx, new BuildServices(_log, TimeProvider.System, new Dictionary<string, string>()));
        using var tx = channel.BeginTransaction();
        for (int i = 0; i < events; i++)
        {
            tx.Put(new Event(System.Text.Encoding.ASCII.GetBytes($"e{i}")));
        }

        tx.Commit();
        return channel;
    }

    private static BuiltAgent Agent(params IChannel[] channels) => new(channels, [], [], []);

    [Fact]
    public async Task Stop_reports_the_events_a_memory_channel_still_holds()
    {
        await using var runtime = new AgentRuntime(_log, TimeProvider.System, drain: TimeSpan.Zero);
        await runtime.ApplyAsync(Agent(Memory("c1", 7), Memory("c2", 0)), default);
        await runtime.StopAsync(default);

        var warn = Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal("Channel c1 still holds 7 events at shutdown; they are lost (the channel is not durable)", warn.Message);
    }

    [Fact]
    public async Task A_reload_that_drops_a_channel_reports_its_events_and_keeps_a_channel_it_reuses()
    {
        await using var runtime = new AgentRuntime(_log, TimeProvider.System, drain: TimeSpan.Zero);
        var kept = Memory("k1", 3);
        await runtime.ApplyAsync(Agent(Memory("c1", 5), kept), default);
        await runtime.ApplyAsync(Agent(Memory("c2", 0), kept), default);

        var warn = Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal("Channel c1 is not part of the new configuration and still holds 5 events; they are lost", warn.Message);
    }
}
