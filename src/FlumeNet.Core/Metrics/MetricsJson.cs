using System.Buffers;
using System.Globalization;
using System.Text.Json;
using FlumeNet.Configuration;

namespace FlumeNet.Metrics;

/// <summary>
/// Flume's <c>/metrics</c> document: one object, a member <c>Type.name</c> per counter group, each an object of
/// attribute → value where every value is a JSON string (longs in decimal, booleans <c>true</c>/<c>false</c>,
/// doubles as Java's <c>Double.toString</c>). Members and attributes come in Java HashMap order, as Flume's do.
/// </summary>
public static class MetricsJson
{
    private static readonly string[] CommonFirst = ["StartTime", "StopTime", "Type"];

    public static void Write(IBufferWriter<byte> output, IEnumerable<CounterGroup> groups)
    {
        var byKey = groups.ToDictionary(g => g.Type + "." + g.Name, StringComparer.Ordinal);
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        foreach (var key in JavaHashOrder.Order(byKey.Keys))
        {
            json.WriteStartObject(key);
            var attributes = byKey[key].Attributes().ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
            // Flume's map receives the times and type first; that decides the order of keys sharing a bucket.
            var inserted = CommonFirst.Where(attributes.ContainsKey).Concat(attributes.Keys.Except(CommonFirst));
            foreach (var name in JavaHashOrder.Order(inserted))
            {
                json.WriteString(name, Format(attributes[name]));
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    public static byte[] ToUtf8(IEnumerable<CounterGroup> groups)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        Write(buffer, groups);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An attribute value as Flume's JSON shows it.</summary>
    public static string Format(object value) => value switch
    {
        double d => JavaDouble.ToString(d),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
