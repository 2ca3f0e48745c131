using FlumeNet.Configuration;

namespace FlumeNet.Selectors;

/// <summary>
/// <c>multiplexing</c>: routes by the value of one header (<c>header</c>, default <c>flume.selector.header</c>)
/// through <c>mapping.&lt;value&gt;</c>, <c>optional.&lt;value&gt;</c> and <c>default</c>.
/// </summary>
internal sealed class MultiplexingChannelSelector : IChannelSelector
{
    private static readonly IReadOnlyList<IChannel> None = Array.Empty<IChannel>();
    private readonly string _header;
    private readonly Dictionary<string, IReadOnlyList<IChannel>> _mapping = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<IChannel>> _optional = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<IChannel> _default;

    public MultiplexingChannelSelector(IReadOnlyList<IChannel> channels, ComponentContext ctx)
    {
        AllChannels = channels;
        ctx.MarkKnown("type");
        _header = ctx.GetString("header", "flume.selector.header")!;
        _default = Resolve(ctx, "default", ctx.GetString("default"), channels);
        foreach (var (value, list) in ctx.GetSubProperties("mapping."))
        {
            _mapping[value] = Resolve(ctx, "mapping." + value, list, channels);
        }

        foreach (var (value, list) in ctx.GetSubProperties("optional."))
        {
            var required = _mapping.TryGetValue(value, out var r) ? r : _default;
            _optional[value] = Resolve(ctx, "optional." + value, list, channels).Where(c => !required.Contains(c)).ToArray();
        }
    }

    public IReadOnlyList<IChannel> AllChannels { get; }

    public IReadOnlyList<IChannel> GetRequiredChannels(Event e)
    {
        if (!e.Headers.TryGetValue(_header, out var v) || string.IsNullOrEmpty(ComponentContext.JavaTrim(v)))
        {
            return _default;
        }

        return _mapping.TryGetValue(v, out var chans) ? chans : _default;
    }

    public IReadOnlyList<IChannel> GetOptionalChannels(Event e)
    {
        if (!e.Headers.TryGetValue(_header, out var v) || string.IsNullOrEmpty(ComponentContext.JavaTrim(v)))
        {
            return None;
        }

        return _optional.TryGetValue(v, out var chans) ? chans : None;
    }

    private static IReadOnlyList<IChannel> Resolve(ComponentContext ctx, string key, string? list, IReadOnlyList<IChannel> channels)
    {
        if (string.IsNullOrEmpty(list))
        {
            return None;
        }

        var result = new List<IChannel>();
        foreach (var name in list.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var ch = channels.FirstOrDefault(c => c.Name == name);
            if (ch is null)
            {
                ctx.Error(key, $"Selector channel not found: {name}");
            }
            else
            {
                result.Add(ch);
            }
        }

        return result;
    }
}
