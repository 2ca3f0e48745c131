using FlumeNet.Configuration;

namespace FlumeNet.Selectors;

/// <summary><c>load_balancing</c>: each event to exactly one channel, <c>policy</c> = round_robin (default) or random.</summary>
internal sealed class LoadBalancingChannelSelector : IChannelSelector
{
    private readonly IReadOnlyList<IChannel>[] _singles;
    private readonly bool _random;
    private int _next = -1;

    public LoadBalancingChannelSelector(IReadOnlyList<IChannel> channels, ComponentContext ctx)
    {
        AllChannels = channels;
        _singles = channels.Select(c => (IReadOnlyList<IChannel>)new[] { c }).ToArray();
        var policy = ctx.GetString("policy", "round_robin")!;
        if (policy.Equals("random", StringComparison.OrdinalIgnoreCase))
        {
            _random = true;
        }
        else if (!policy.Equals("round_robin", StringComparison.OrdinalIgnoreCase))
        {
            ctx.Error("policy", $"unknown policy '{policy}' (round_robin or random)");
        }
    }

    public IReadOnlyList<IChannel> AllChannels { get; }

    public IReadOnlyList<IChannel> GetRequiredChannels(Event e)
    {
        var i = _random ? Random.Shared.Next(_singles.Length) : (int)((uint)Interlocked.Increment(ref _next) % (uint)_singles.Length);
        return _singles[i];
    }

    public IReadOnlyList<IChannel> GetOptionalChannels(Event e) => Array.Empty<IChannel>();
}
