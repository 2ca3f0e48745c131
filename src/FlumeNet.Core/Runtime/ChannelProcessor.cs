using Microsoft.Extensions.Logging;

namespace FlumeNet.Runtime;

/// <summary>
/// The source side of the pipeline: interceptors, then the selector, then one transaction per channel.
/// Thread-safe (an avro source calls it from many connections at once).
/// </summary>
public sealed class ChannelProcessor
{
    private readonly IChannelSelector _selector;
    private readonly IReadOnlyList<IInterceptor> _interceptors;
    private readonly ILogger _logger;
    private readonly IChannel? _only;

    public ChannelProcessor(IChannelSelector selector, IReadOnlyList<IInterceptor> interceptors, ILogger logger)
    {
        _selector = selector;
        _interceptors = interceptors;
        _logger = logger;
        if (selector is Selectors.ReplicatingChannelSelector { HasOptional: false } && selector.AllChannels.Count == 1)
        {
            _only = selector.AllChannels[0];
        }
    }

    /// <summary>Puts one event into its channels. Throws <see cref="ChannelException"/> when a required channel refuses it.</summary>
    public void ProcessEvent(Event e)
    {
        var ev = Intercept(e);
        if (ev is null)
        {
            return;
        }

        foreach (var ch in _selector.GetRequiredChannels(ev))
        {
            PutAll(ch, [ev], required: true, what: "event");
        }

        foreach (var ch in _selector.GetOptionalChannels(ev))
        {
            PutAll(ch, [ev], required: false, what: "event");
        }
    }

    /// <summary>
    /// Puts a batch: one transaction per channel holding all of that channel's events, in order.
    /// Throws <see cref="ChannelException"/> when a required channel refuses its part; channels committed
    /// before it keep theirs (a retried batch may then duplicate there, as in Flume).
    /// </summary>
    public void ProcessEventBatch(IReadOnlyList<Event> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        if (_only is not null && _interceptors.Count == 0)
        {
            PutAll(_only, events, required: true);
            return;
        }

        var required = new Dictionary<IChannel, List<Event>>();
        var optional = new Dictionary<IChannel, List<Event>>();
        var order = new List<IChannel>();
        var optOrder = new List<IChannel>();
        foreach (var raw in events)
        {
            var ev = Intercept(raw);
            if (ev is null)
            {
                continue;
            }

            Group(required, order, _selector.GetRequiredChannels(ev), ev);
            Group(optional, optOrder, _selector.GetOptionalChannels(ev), ev);
        }

        foreach (var ch in order)
        {
            PutAll(ch, required[ch], required: true);
        }

        foreach (var ch in optOrder)
        {
            PutAll(ch, optional[ch], required: false);
        }
    }

    private static void Group(Dictionary<IChannel, List<Event>> map, List<IChannel> order, IReadOnlyList<IChannel> channels, Event ev)
    {
        foreach (var ch in channels)
        {
            if (!map.TryGetValue(ch, out var list))
            {
                map[ch] = list = new List<Event>();
                order.Add(ch);
            }

            list.Add(ev);
        }
    }

    private Event? Intercept(Event e)
    {
        Event? ev = e;
        for (int i = 0; i < _interceptors.Count && ev is not null; i++)
        {
            ev = _interceptors[i].Intercept(ev);
        }

        return ev;
    }

    private void PutAll(IChannel channel, IReadOnlyList<Event> events, bool required, string what = "batch")
    {
        using var tx = channel.BeginTransaction();
        try
        {
            for (int i = 0; i < events.Count; i++)
            {
                tx.Put(events[i]);
            }

            tx.Commit();
        }
        catch (Exception ex)
        {
            tx.Rollback();
            if (!required)
            {
                _logger.LogError("Unable to put {What} on optional channel: {Channel}: {Message}", what, channel.Name, ex.Message);
                return;
            }

            if (ex is ChannelException)
            {
                throw;
            }

            throw new ChannelException($"Unable to put {what} on required channel: {channel.Name}", ex);
        }
    }
}
