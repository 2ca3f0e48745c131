using System.Buffers;
using System.Text;
using FlumeNet.Avro;
using FlumeNet.Configuration;

namespace FlumeNet.Sinks;

/// <summary>
/// How the <c>file_roll</c> sink turns events into file bytes. A serializer appends to the sink's pending buffer; the
/// sink writes that buffer to the file once per transaction. <see cref="Discard"/> forgets what a failed transaction
/// left pending. Used by one sink thread at a time.
/// </summary>
internal interface IFileRollSerializer : IDisposable
{
    void Write(Event e);

    /// <summary>Moves everything the serializer still holds into the pending buffer.</summary>
    void Flush();

    void Discard();
}

/// <summary>The <c>sink.serializer</c> setting, validated at configuration; <see cref="Create"/> makes one per file.</summary>
internal sealed record FileRollSerializerSpec(string Kind, bool AppendNewline, int SyncIntervalBytes, string Codec)
{
    public const string Text = "TEXT";
    public const string HeaderAndText = "HEADER_AND_TEXT";
    public const string AvroEvent = "AVRO_EVENT";

    /// <summary>Flume's Event record schema, as Avro's Java writer prints it into the file header.</summary>
    public const string EventSchema = """{"type":"record","name":"Event","fields":[{"name":"headers","type":{"type":"map","values":"string"}},{"name":"body","type":"bytes"}]}""";

    private static readonly Dictionary<string, string> ClassNames = new(StringComparer.Ordinal)
    {
        ["org.apache.flume.serialization.BodyTextEventSerializer$Builder"] = Text,
        ["org.apache.flume.serialization.HeaderAndBodyTextEventSerializer$Builder"] = HeaderAndText,
        ["org.apache.flume.serialization.FlumeEventAvroEventSerializer$Builder"] = AvroEvent,
    };

    /// <summary>Reads <c>sink.serializer</c> and its <c>sink.serializer.*</c> keys; problems are reported on the context.</summary>
    public static FileRollSerializerSpec FromContext(ComponentContext ctx)
    {
        var raw = ctx.GetString("sink.serializer", Text)!;
        var type = ComponentContext.JavaTrim(raw);
        var kind = ClassNames.TryGetValue(type, out var k) ? k
            : new[] { Text, HeaderAndText, AvroEvent }.FirstOrDefault(a => a.Equals(type, StringComparison.OrdinalIgnoreCase));
        if (kind is null)
        {
            ctx.Error("sink.serializer", $"unknown serializer '{raw}' (TEXT, HEADER_AND_TEXT, AVRO_EVENT or a serializer builder class of Flume)");
            kind = Text;
        }

        var appendNewline = ctx.GetBool("sink.serializer.appendNewline", true);
        int sync = 2048000;
        var codec = "null";
        if (kind == AvroEvent)
        {
            sync = ctx.GetInt("sink.serializer.syncIntervalBytes", 2048000);
            var c = ComponentContext.JavaTrim(ctx.GetString("sink.serializer.compressionCodec", "null")!);
            if (c is "null" or "deflate")
            {
                codec = c;
            }
            else
            {
                ctx.Warn("sink.serializer.compressionCodec", $"codec '{c}' is not available (null, deflate); compression disabled");
            }
        }

        return new FileRollSerializerSpec(kind, appendNewline, sync, codec);
    }

    public IFileRollSerializer Create(ArrayBufferWriter<byte> pending) => Kind switch
    {
        AvroEvent => new AvroEventSerializer(pending, this),
        HeaderAndText => new TextSerializer(pending, AppendNewline, withHeaders: true),
        _ => new TextSerializer(pending, AppendNewline, withHeaders: false),
    };

    /// <summary>TEXT: the body, then <c>\n</c>. HEADER_AND_TEXT: Java's <c>Map.toString()</c> of the headers and a space first.</summary>
    private sealed class TextSerializer(ArrayBufferWriter<byte> pending, bool appendNewline, bool withHeaders) : IFileRollSerializer
    {
        private readonly StringBuilder _sb = new();

        public void Write(Event e)
        {
            if (withHeaders)
            {
                _sb.Clear();
                LoggerSink.AppendHeaders(_sb, e.Headers);
                _sb.Append(' ');
                var text = _sb.ToString();
                var n = Encoding.UTF8.GetByteCount(text);
                Encoding.UTF8.GetBytes(text, pending.GetSpan(n));
                pending.Advance(n);
            }

            pending.Write(e.BodyArray);
            if (appendNewline)
            {
                pending.Write("\n"u8);
            }
        }

        public void Flush()
        {
        }

        public void Discard()
        {
        }

        public void Dispose()
        {
        }
    }

    /// <summary>AVRO_EVENT: an Avro container file of Flume's Event records (headers map, body bytes).</summary>
    private sealed class AvroEventSerializer : IFileRollSerializer
    {
        private readonly AvroContainerWriter _writer;

        public AvroEventSerializer(ArrayBufferWriter<byte> pending, FileRollSerializerSpec spec)
        {
            _writer = new AvroContainerWriter(new PendingStream(pending), EventSchema, spec.Codec, spec.SyncIntervalBytes);
        }

        public void Write(Event e)
        {
            AvroEventCodec.WriteEvent(_writer.Datum, e.Headers, e.BodyArray);
            _writer.EndDatum();
        }

        public void Flush() => _writer.Flush();

        public void Discard() => _writer.DiscardPending();

        public void Dispose() => _writer.Dispose();

        /// <summary>A write-only stream over the sink's pending buffer.</summary>
        private sealed class PendingStream(ArrayBufferWriter<byte> pending) : Stream
        {
            public override bool CanRead => false;

            public override bool CanSeek => false;

            public override bool CanWrite => true;

            public override long Length => pending.WrittenCount;

            public override long Position
            {
                get => pending.WrittenCount;
                set => throw new NotSupportedException();
            }

            public override void Flush()
            {
            }

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => pending.Write(buffer.AsSpan(offset, count));

            public override void Write(ReadOnlySpan<byte> buffer) => pending.Write(buffer);
        }
    }
}

/// <summary>Flume's Event record in Avro binary: headers as <c>map&lt;string&gt;</c> (Java hash order), body as <c>bytes</c>.</summary>
internal static class AvroEventCodec
{
    public static void WriteEvent(IBufferWriter<byte> w, IDictionary<string, string> headers, ReadOnlySpan<byte> body)
    {
        if (headers.Count > 0)
        {
            AvroWriter.WriteLong(w, headers.Count);
            foreach (var key in JavaHashOrder.Order(headers.Keys))
            {
                AvroWriter.WriteString(w, key);
                AvroWriter.WriteString(w, headers[key]);
            }
        }

        AvroWriter.WriteLong(w, 0);
        AvroWriter.WriteBytes(w, body);
    }
}
