using System.Buffers;

namespace FlumeNet.Avro;

/// <summary>
/// Hand-written encoder/decoder for <c>AvroFlumeEvent</c> (record { map&lt;string&gt; headers; bytes body; })
/// and the <c>append</c>/<c>appendBatch</c> request records. Byte-identical to Apache.Avro's generic
/// writer (proved in tests). Encoding allocates nothing; decoding allocates only the event
/// (body array; a headers dictionary and its strings only when the event has headers).
/// </summary>
internal static class FlumeEventCodec
{
    /// <summary>
    /// headers: one block of all entries then 0 (or just 0 when empty), as Java writes maps;
    /// body: long length + bytes.
    /// </summary>
    public static void WriteEvent(IBufferWriter<byte> w, IFlumeEvent e)
    {
        int count = e.HeaderCount;
        if (count > 0)
        {
            IDictionary<string, string> headers = e.Headers;
            AvroWriter.WriteLong(w, count);
            if (headers is Dictionary<string, string> dict)
            {
                // struct enumerator: no allocation for the common dictionary type
                foreach (KeyValuePair<string, string> kv in dict)
                {
                    AvroWriter.WriteString(w, kv.Key);
                    AvroWriter.WriteString(w, kv.Value ?? string.Empty);
                }
            }
            else
            {
                foreach (KeyValuePair<string, string> kv in headers)
                {
                    AvroWriter.WriteString(w, kv.Key);
                    AvroWriter.WriteString(w, kv.Value ?? string.Empty);
                }
            }
        }

        AvroWriter.WriteLong(w, 0);
        AvroWriter.WriteBytes(w, e.Body.Span);
    }

    /// <summary>appendBatch request record: { array&lt;AvroFlumeEvent&gt; events }.</summary>
    public static void WriteEventArray(IBufferWriter<byte> w, IReadOnlyList<IFlumeEvent> events)
    {
        if (events.Count > 0)
        {
            AvroWriter.WriteLong(w, events.Count);
            for (int i = 0; i < events.Count; i++)
            {
                WriteEvent(w, events[i]);
            }
        }

        AvroWriter.WriteLong(w, 0);
    }

    public static IFlumeEvent ReadEvent(ref AvroReader r, FlumeEventFactory factory)
    {
        Dictionary<string, string>? headers = null;
        int n;
        // map entry = key string + value string: at least 2 bytes
        while ((n = r.ReadBlockCount(2)) != 0)
        {
            headers ??= new Dictionary<string, string>(n, StringComparer.Ordinal);
            for (int i = 0; i < n; i++)
            {
                string key = r.ReadString();
                headers[key] = r.ReadString();
            }
        }

        byte[] body = r.ReadBytes();
        return factory(headers, body);
    }

    public static List<IFlumeEvent> ReadEventArray(ref AvroReader r, FlumeEventFactory factory)
    {
        List<IFlumeEvent>? list = null;
        int n;
        // an event is at least 2 bytes: empty headers map (00) + empty body (00)
        while ((n = r.ReadBlockCount(2)) != 0)
        {
            list ??= new List<IFlumeEvent>(n);
            for (int i = 0; i < n; i++)
            {
                list.Add(ReadEvent(ref r, factory));
            }
        }

        return list ?? [];
    }
}
