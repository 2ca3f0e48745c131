using System.Text;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sinks;

/// <summary>
/// <c>logger</c>: logs each event at INFO as <c>Event: { headers:{k=v} body: 68 65 … hello }</c>, exactly as
/// Flume's LoggerSink (headers in Java hash order, the body as a hex dump of at most <c>maxBytesToLog</c> bytes).
/// </summary>
internal sealed class LoggerSink : SinkBase, IMetered
{
    /// <summary>The logger name whose location Flume's console layout prints for these lines.</summary>
    public const string Category = "org.apache.flume.sink.LoggerSink.process(LoggerSink.java:95)";

    private const int EventsPerTransaction = 100;
    private readonly ILogger _logger;
    private readonly int _maxBytes;

    public LoggerSink(string name, IChannel channel, ComponentContext ctx, ILoggerFactory loggers, MetricsRegistry? metrics = null, TimeProvider? time = null)
        : base(name, channel)
    {
        Counters = new SinkCounter(name, time);
        metrics?.Register(Counters);
        _logger = loggers.CreateLogger(Category);
        ctx.MarkKnown("type", "channel");
        var max = ctx.GetString("maxBytesToLog");
        _maxBytes = 16;
        if (max is not null)
        {
            if (int.TryParse(ComponentContext.JavaTrim(max), out var n))
            {
                if (n < 1)
                {
                    ctx.Error("maxBytesToLog", $"must be at least 1 (got {n}); Flume fails every event with such a value");
                }

                _maxBytes = n;
            }
            else
            {
                ctx.Warn("maxBytesToLog", $"Unable to convert {max} to integer, using default value(16) for maxByteToDump{ComponentContext.HashHint(max)}");
            }
        }
    }

    /// <summary>Ours (Flume's logger sink has none): batches and drained events.</summary>
    public SinkCounter Counters { get; }

    CounterGroup IMetered.Counters => Counters;

    public override ValueTask<SinkStatus> ProcessAsync(CancellationToken cancellationToken)
    {
        using var tx = Channel.BeginTransaction();
        var count = 0;
        try
        {
            for (; count < EventsPerTransaction; count++)
            {
                var e = tx.Take();
                if (e is null)
                {
                    break;
                }

                if (_logger.IsEnabled(LogLevel.Information))
                {
                    _logger.LogInformation("{Event}", Format(e, _maxBytes));
                }
            }

            Counters.CountBatch(count, EventsPerTransaction);
            if (count > 0)
            {
                Counters.AddEventDrainAttempt(count);
            }

            tx.Commit();
            if (count > 0)
            {
                Counters.AddEventDrainSuccess(count);
            }
        }
        catch (Exception ex)
        {
            tx.Rollback();
            Counters.AddChannelReadFail();
            throw new EventDeliveryException($"Failed to log event: {ex.Message}", ex);
        }

        return ValueTask.FromResult(count > 0 ? SinkStatus.Ready : SinkStatus.Backoff);
    }


    /// <summary>Flume's <c>EventHelper.dumpEvent</c> text.</summary>
    public static string Format(Event e, int maxBytes)
    {
        var sb = new StringBuilder(96 + (e.BodyArray.Length > maxBytes ? maxBytes * 4 : e.BodyArray.Length * 4));
        sb.Append("Event: { headers:");
        AppendHeaders(sb, e.Headers);
        sb.Append(" body:");
        AppendHexDump(sb, e.BodyArray, Math.Min(maxBytes, e.BodyArray.Length));
        sb.Append(" }");
        return sb.ToString();
    }

    /// <summary>Java <c>AbstractMap.toString()</c> of a HashMap: <c>{k1=v1, k2=v2}</c> in hash order.</summary>
    public static void AppendHeaders(StringBuilder sb, IDictionary<string, string> headers)
    {
        sb.Append('{');
        var first = true;
        foreach (var key in JavaHashOrder.Order(headers.Keys))
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            sb.Append(key).Append('=').Append(headers[key]);
        }

        sb.Append('}');
    }

    /// <summary>
    /// Rows of 16 bytes: 8-digit offset, a space, <c>XX </c> per byte (3 spaces per missing one), the printable
    /// characters; the first row's offset is dropped and the final newline removed.
    /// </summary>
    public static void AppendHexDump(StringBuilder sb, byte[] body, int n)
    {
        if (n <= 0)
        {
            return;
        }

        for (int row = 0; row < n; row += 16)
        {
            if (row > 0)
            {
                sb.Append('\n').Append(row.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
            }

            sb.Append(' ');
            var end = Math.Min(row + 16, n);
            for (int i = row; i < row + 16; i++)
            {
                if (i < end)
                {
                    sb.Append(Hex[body[i] >> 4]).Append(Hex[body[i] & 0xF]).Append(' ');
                }
                else
                {
                    sb.Append("   ");
                }
            }

            for (int i = row; i < end; i++)
            {
                var b = body[i];
                sb.Append(b >= 0x20 && b <= 0x7E ? (char)b : '.');
            }
        }
    }

    private static ReadOnlySpan<char> Hex => "0123456789ABCDEF";
}
