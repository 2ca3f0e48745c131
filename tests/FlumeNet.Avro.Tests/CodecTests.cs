using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Avro;
using Avro.Generic;
using Avro.IO;
using FlumeNet.Avro;

namespace FlumeNet.Avro.Tests;

public sealed class CodecTests
{
    [Fact]
    public void ProtocolTextIsTheCapturedOneAndHashesToTheKnownMd5()
    {
        byte[] file = File.ReadAllBytes(Path.Combine(Capture.Dir, "AvroSourceProtocol.json"));
        Assert.Equal(1334, AvroSourceProtocol.TextBytes.Length);
        Assert.Equal(file, AvroSourceProtocol.TextBytes);
        Assert.Equal("86aadae2c45474c0fe93ffd0f2350a65", Hex.Of(MD5.HashData(AvroSourceProtocol.TextBytes)));
        Assert.Equal(AvroSourceProtocol.Hash, AvroSourceProtocol.ComputeHash(AvroSourceProtocol.Text));
    }

    [Fact]
    public void ApacheAvroReserialisesTheProtocolDifferently_SoTheTextIsShippedAsAConstant()
    {
        // Documents why we do not use Protocol.Parse(...).MD5 (spec §4).
        Protocol p = Protocol.Parse(AvroSourceProtocol.Text);
        Assert.NotEqual(AvroSourceProtocol.Hash, p.MD5);
    }

    [Theory]
    [InlineData(0L, "00")]
    [InlineData(-1L, "01")]
    [InlineData(1L, "02")]
    [InlineData(2L, "04")]
    [InlineData(5L, "0a")]
    [InlineData(11L, "16")]
    [InlineData(63L, "7e")]
    [InlineData(64L, "8001")]
    [InlineData(100L, "c801")]
    [InlineData(131L, "8602")]
    [InlineData(509L, "fa07")]
    [InlineData(1334L, "ec14")]
    [InlineData(20000L, "c0b802")]
    [InlineData(long.MaxValue, "feffffffffffffffff01")]
    [InlineData(long.MinValue, "ffffffffffffffffff01")]
    public void VarintsMatchTheSpecTable(long value, string hex)
    {
        using var w = new PooledBufferWriter();
        AvroWriter.WriteLong(w, value);
        Assert.Equal(hex, Hex.Of(w.WrittenSpan));
        var r = new AvroReader(w.WrittenSpan);
        Assert.Equal(value, r.ReadLong());
        Assert.Equal(0, r.Remaining);
    }

    public static TheoryData<string> EventSets => new() { "empty-headers", "unicode", "empty-body", "large-body", "many" };

    private static List<TestEvent> MakeEvents(string name) => name switch
    {
        "empty-headers" => [TestEvent.Of("hello")],
        "unicode" => [TestEvent.Of("żółw 🐢 body", ("clé", "värde ✓"), ("emoji", "🐢🐢"), ("", ""))],
        "empty-body" => [new TestEvent(new() { ["a"] = "1" }, [])],
        "large-body" => [new TestEvent(new() { ["host"] = "node1" }, Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray())],
        _ => Enumerable.Range(0, 50).Select(i => TestEvent.Of($"event-{i}", ("i", i.ToString()), ("k", new string('x', i)))).ToList(),
    };

    [Theory]
    [MemberData(nameof(EventSets))]
    public void HandWrittenEncoderIsByteIdenticalToApacheAvroGenericWriter(string set)
    {
        List<TestEvent> events = MakeEvents(set);
        Protocol protocol = Protocol.Parse(AvroSourceProtocol.Text);
        var eventSchema = (RecordSchema)protocol.Types.First(t => t.Name == "AvroFlumeEvent");
        RecordSchema batchRequest = protocol.Messages["appendBatch"].Request;

        var records = events.Select(e =>
        {
            var rec = new GenericRecord(eventSchema);
            rec.Add("headers", e.Headers.ToDictionary(kv => kv.Key, kv => (object)kv.Value));
            rec.Add("body", e.Body.ToArray());
            return rec;
        }).ToArray();

        // single event: record AvroFlumeEvent
        foreach ((TestEvent e, GenericRecord rec) in events.Zip(records))
        {
            var ms = new MemoryStream();
            new GenericDatumWriter<GenericRecord>(eventSchema).Write(rec, new BinaryEncoder(ms));
            using var mine = new PooledBufferWriter();
            FlumeEventCodec.WriteEvent(mine, e);
            Assert.Equal(Hex.Of(ms.ToArray()), Hex.Of(mine.WrittenSpan));
        }

        // appendBatch request record { events: array<AvroFlumeEvent> }
        var request = new GenericRecord(batchRequest);
        request.Add("events", records);
        var batchMs = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(batchRequest).Write(request, new BinaryEncoder(batchMs));
        using var batch = new PooledBufferWriter();
        FlumeEventCodec.WriteEventArray(batch, events);
        Assert.Equal(batchMs.ToArray(), batch.WrittenSpan.ToArray());

        // and it decodes back
        var reader = new AvroReader(batch.WrittenSpan);
        List<IFlumeEvent> decoded = FlumeEventCodec.ReadEventArray(ref reader, (h, b) => new TestEvent(h, b));
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(events.Count, decoded.Count);
        for (int i = 0; i < events.Count; i++)
        {
            Assert.Equal(events[i].Headers, decoded[i].Headers);
            Assert.Equal(events[i].Body.ToArray(), decoded[i].Body.ToArray());
        }
    }

    [Fact]
    public void EncodingABatchAllocatesNothingOnceTheBufferIsWarm()
    {
        List<IFlumeEvent> events = MakeEvents("many").Cast<IFlumeEvent>().ToList();
        using var w = new PooledBufferWriter();
        FlumeEventCodec.WriteEventArray(w, events);
        using var frame = new PooledBufferWriter();
        FrameCodec.WriteRequestFrame(frame, 1, [0, 0x16], w.WrittenSpan);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            w.Clear();
            FlumeEventCodec.WriteEventArray(w, events);
            frame.Clear();
            FrameCodec.WriteRequestFrame(frame, i, [0, 0x16], w.WrittenSpan);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void DecoderAcceptsNegativeBlockCountsAndSplitBlocks()
    {
        // array block with count -1 + byte size, then a block of 1, then end
        byte[] one = Hex.Bytes("020261023100" + "0a68656c6c6f"); // headers {a:1} + "hello"
        var bytes = new List<byte> { 0x01 }; // -1
        bytes.Add((byte)(one.Length * 2)); // size as zig-zag long
        bytes.AddRange(one);
        bytes.Add(0x02);
        bytes.AddRange(one);
        bytes.Add(0x00);
        var r = new AvroReader(bytes.ToArray());
        List<IFlumeEvent> events = FlumeEventCodec.ReadEventArray(ref r, (h, b) => new TestEvent(h, b));
        Assert.Equal(2, events.Count);
        Assert.Equal("1", events[1].Headers["a"]);
    }

    [Theory]
    [InlineData("feffffff0f")] // array count 2^31-1 with nothing behind it
    [InlineData("02feffffff0f")] // headers map count huge
    [InlineData("0200feffffff0f")] // body length huge
    [InlineData("02")] // truncated
    [InlineData("ffffffffffffffffffff01")] // over-long varint
    public void DecoderRejectsLiesWithoutAllocating(string hex)
    {
        Assert.Throws<AvroProtocolException>(() =>
        {
            var r = new AvroReader(Hex.Bytes(hex));
            FlumeEventCodec.ReadEventArray(ref r, (h, b) => new TestEvent(h, b));
        });
    }

    [Fact]
    public async Task FrameReaderRejectsA2GbLengthBeforeAllocating()
    {
        byte[] frame = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(0), 1);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(8), int.MaxValue);
        using var buf = new PooledBufferWriter();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = await Assert.ThrowsAsync<AvroProtocolException>(async () =>
            await FrameCodec.ReadFrameAsync(new MemoryStream(frame), buf, new byte[8], 64 * 1024 * 1024, CancellationToken.None));
        Assert.Contains("2147483647", ex.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public async Task FrameReaderRejectsBadBufferCounts(int count)
    {
        byte[] frame = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), count);
        using var buf = new PooledBufferWriter();
        await Assert.ThrowsAsync<AvroProtocolException>(async () =>
            await FrameCodec.ReadFrameAsync(new MemoryStream(frame), buf, new byte[8], 1024 * 1024, CancellationToken.None));
    }

    [Fact]
    public async Task FrameReaderConcatenatesAnySplitIncludingEmptyBuffers()
    {
        byte[] frame = Hex.Bytes("0000000700000004" + "00000000" + "00000002" + "6869" + "00000000" + "00000001" + "21");
        using var buf = new PooledBufferWriter();
        int? serial = await FrameCodec.ReadFrameAsync(new MemoryStream(frame), buf, new byte[8], 1024, CancellationToken.None);
        Assert.Equal(7, serial);
        Assert.Equal("hi!", Encoding.ASCII.GetString(buf.WrittenSpan));
        Assert.Null(await FrameCodec.ReadFrameAsync(new MemoryStream([]), buf, new byte[8], 1024, CancellationToken.None));
    }

    [Fact]
    public void RequestFrameSplitsParametersLikeJava()
    {
        using var f = new PooledBufferWriter();
        FrameCodec.WriteRequestFrame(f, 3, [1, 2], new byte[20011]);
        ReadOnlySpan<byte> s = f.WrittenSpan;
        Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(s));
        Assert.Equal(4, BinaryPrimitives.ReadInt32BigEndian(s[4..]));
        int off = 8;
        var lens = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(s[off..]);
            lens.Add(len);
            off += 4 + len;
        }

        Assert.Equal([2, 8192, 8192, 3627], lens);
        Assert.Equal(s.Length, off);
    }

    [Fact]
    public void HandshakeBytesMatchSpec()
    {
        using var w = new PooledBufferWriter();
        HandshakeCodec.WriteRequest(w, AvroSourceProtocol.Hash, null, AvroSourceProtocol.Hash);
        Assert.Equal("86aadae2c45474c0fe93ffd0f2350a65" + "00" + "86aadae2c45474c0fe93ffd0f2350a65" + "0200", Hex.Of(w.WrittenSpan));
        w.Clear();
        HandshakeCodec.WriteResponse(w, HandshakeMatch.Both, null, default);
        Assert.Equal("00000000", Hex.Of(w.WrittenSpan));
        w.Clear();
        HandshakeCodec.WriteResponse(w, HandshakeMatch.None, AvroSourceProtocol.Text, AvroSourceProtocol.Hash);
        Assert.Equal(1356, w.WrittenCount);
        var r = new AvroReader(w.WrittenSpan);
        HandshakeResponse resp = HandshakeCodec.ReadResponse(ref r);
        Assert.Equal(HandshakeMatch.None, resp.Match);
        Assert.Equal(AvroSourceProtocol.Text, resp.ServerProtocol);
        Assert.Equal(AvroSourceProtocol.Hash, resp.ServerHash);
    }

    [Fact]
    public void JksIsRejectedWithAClearError()
    {
        var ex = Assert.Throws<AvroRpcException>(() => AvroTls.LoadTrustStore("/tmp/x.jks", "pw", null));
        Assert.Contains("not supported", ex.Message);
        Assert.Contains("PKCS12", ex.Message);
    }
}
