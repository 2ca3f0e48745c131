using FlumeNet.Configuration;

namespace FlumeNet.Selectors;

/// <summary><c>replicating</c> (the default): every event to every channel; <c>optional</c> lists channels whose failures are only logged.</summary>
internal sealed class ReplicatingChannelSelector : IChannelSelector
{
    private readonly IReadOnlyList<IChannel> _required;
    private readonly IReadOnlyList<IChannel> _optional;

    public ReplicatingChannelSelector(IReadOnlyList<IChannel> channels, ComponentContext ctx)
    {
        AllChannels = channels;
        var optionalNames = (ctx.GetString("optional") ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var optional = new List<IChannel>();
        foreach (var n in optionalNames)
        {
            var ch = channels.FirstOrDefault(c => c.Name == n);
            if (ch is null)
            {
                ctx.Error("optional", $"Selector channel not found: {n}");
                continue;
            }

            optional.Add(ch);
        }

        _optional = optional;
        _required = channels.Where(c => !optional.Contains(c)).ToArray();
    }

    public bool HasOptional => _optional.Count > 0;

    public IReadOnlyList<IChannel> AllChannels { get; }

    public IReadOnlyList<IChannel> GetRequiredChannels(Event e) => _required;

    public IReadOnlyList<IChannel> GetOptionalChannels(Event e) => _optional;
}
