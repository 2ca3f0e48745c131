using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FlumeNet.Metrics;

/// <summary>
/// The counter groups in Prometheus text exposition format 0.0.4. Each Flume attribute becomes one family named
/// <c>flume_&lt;type&gt;_&lt;attribute in snake case&gt;</c> with the labels <c>agent</c> and <c>component</c>: counters
/// drop Flume's <c>Count</c> suffix and end in <c>_total</c> (<c>EventPutSuccessCount</c> →
/// <c>flume_channel_event_put_success_total</c>); levels are gauges (<see cref="Gauges"/>); start/stop times are
/// gauges in seconds. Then the process: resident memory, CPU seconds, start time, threads.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Flume attributes that are levels, not running totals: attribute → metric suffix.</summary>
    private static readonly Dictionary<string, string> Gauges = new(StringComparer.Ordinal)
    {
        ["ChannelSize"] = "size",
        ["ChannelCapacity"] = "capacity",
        ["ChannelFillPercentage"] = "fill_percentage",
        ["OpenConnectionCount"] = "open_connections",
        ["Open"] = "open",
        ["Closed"] = "closed",
        ["Unhealthy"] = "unhealthy",
    };

    public static string Write(string agent, IEnumerable<CounterGroup> groups, ProcessStats? process)
    {
        // family name → (type, help, samples), in first-seen order so the output is stable.
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var g in groups)
        {
            var kind = g.Type.ToLowerInvariant();
            foreach (var (attribute, value) in g.Attributes())
            {
                if (attribute == "Type" || !TryNumber(value, out var number))
                {
                    continue;
                }

                var (name, type, help) = Describe(kind, attribute);
                if (attribute is "StartTime" or "StopTime")
                {
                    number /= 1000;
                }

                if (!families.TryGetValue(name, out var family))
                {
                    families[name] = family = new Family(type, help, new List<(string, double)>());
                    order.Add(name);
                }

                family.Samples.Add(($"{{agent=\"{Escape(agent)}\",component=\"{Escape(g.Name)}\"}}", number));
            }
        }

        var sb = new StringBuilder(4096);
        foreach (var name in order)
        {
            var f = families[name];
            Header(sb, name, f.Type, f.Help);
            foreach (var (labels, value) in f.Samples)
            {
                sb.Append(name).Append(labels).Append(' ').Append(Number(value)).Append('\n');
            }
        }

        if (process is not null)
        {
            Single(sb, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.ResidentBytes);
            Single(sb, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.VirtualBytes);
            Single(sb, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", process.CpuSeconds);
            Single(sb, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", process.StartTimeSeconds);
            Single(sb, "process_threads", "gauge", "Number of OS threads in the process.", process.Threads);
            Single(sb, "dotnet_gc_heap_size_bytes", "gauge", "Bytes of the managed heap in use.", process.ManagedHeapBytes);
        }

        return sb.ToString();
    }

    /// <summary>The family name, type and help text of a Flume attribute of a <paramref name="kind"/> group.</summary>
    public static (string Name, string Type, string Help) Describe(string kind, string attribute)
    {
        var prefix = "flume_" + kind + "_";
        if (attribute is "StartTime" or "StopTime")
        {
            var what = attribute == "StartTime" ? "start" : "stop";
            return (prefix + what + "_time_seconds", "gauge", $"Flume {attribute}: when the {kind} last {(what == "start" ? "started" : "stopped")} (unix seconds; 0 while it has not).");
        }

        if (Gauges.TryGetValue(attribute, out var gauge))
        {
            return (prefix + gauge, "gauge", $"Flume {attribute} of the {kind}.");
        }

        var snake = Snake(attribute);
        if (snake.EndsWith("_count", StringComparison.Ordinal))
        {
            snake = snake[..^"_count".Length];
        }

        return (prefix + snake + "_total", "counter", $"Flume {attribute} of the {kind}.");
    }

    private static string Snake(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(char.IsLetterOrDigit(c) ? c : '_');
            }
        }

        return sb.ToString();
    }

    private static bool TryNumber(object value, out double number)
    {
        switch (value)
        {
            case long l:
                number = l;
                return true;
            case int i:
                number = i;
                return true;
            case double d:
                number = d;
                return true;
            case bool b:
                number = b ? 1 : 0;
                return true;
            default:
                number = 0;
                return false;
        }
    }

    private static void Header(StringBuilder sb, string name, string type, string help) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
          .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Single(StringBuilder sb, string name, string type, string help, double value)
    {
        Header(sb, name, type, help);
        sb.Append(name).Append(' ').Append(Number(value)).Append('\n');
    }

    private static string Number(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : double.IsNaN(v) ? "NaN" : v.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string label) => label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private sealed record Family(string Type, string Help, List<(string Labels, double Value)> Samples);
}

/// <summary>What the process uses, for the <c>process_*</c> families.</summary>
public sealed record ProcessStats(double ResidentBytes, double VirtualBytes, double CpuSeconds, double StartTimeSeconds, double Threads, double ManagedHeapBytes)
{
    public static ProcessStats Current()
    {
        using var p = Process.GetCurrentProcess();
        return new ProcessStats(
            p.WorkingSet64,
            p.VirtualMemorySize64,
            p.TotalProcessorTime.TotalSeconds,
            new DateTimeOffset(p.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0,
            p.Threads.Count,
            GC.GetTotalMemory(false));
    }
}
