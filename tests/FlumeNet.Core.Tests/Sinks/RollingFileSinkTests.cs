using System.Text;
using Avro.File;
using Avro.Generic;
using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using FlumeNet.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Sinks;

public sealed class RollingFileSinkTests : IDisposable
{
    private const long T0 = 1_700_000_000_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("fileroll-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(T0));
    private readonly LogCapture _log = new();

    public RollingFileSinkTests()
    {
        _time.SetLocalTimeZone(TimeZoneInfo.Utc);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Text_writes_bodies_byte_for_byte_with_a_newline_each()
    {
        var ch = Memory();
        var sink = Sink(ch, out var ctx);
        Assert.Empty(ctx.Problems);
        await sink.StartAsync(CancellationToken.None);
        Put(ch, new Event(Encoding.UTF8.GetBytes("hello")), new Event([]), new Event([0x00, 0xFF, 0x0D, 0x0A]), Ev("café €", ("h", "v")));

        Assert.Equal(SinkStatus.Backoff, await sink.ProcessAsync(CancellationToken.None)); // fewer than batchSize: back off, as Flume
        var path = Path.Combine(_dir, $"{T0}-1");
        Assert.Equal(path, sink.CurrentPath);
        byte[] expected = [.. "hello\n"u8, .. "\n"u8, 0x00, 0xFF, 0x0D, 0x0A, 0x0A, .. "café €\n"u8];
        Assert.Equal(expected, File.ReadAllBytes(path));
        Assert.Equal(0, ch.Size);

        await sink.StopAsync(CancellationToken.None);
        var c = (FlumeNet.Metrics.SinkCounter)sink.Counters;
        Assert.Equal((1, 1, 4, 4), (c.ConnectionCreatedCount, c.ConnectionClosedCount, c.EventDrainAttemptCount, c.EventDrainSuccessCount));
        Assert.Equal(0, c.BatchUnderflowCount + c.BatchEmptyCount + c.BatchCompleteCount); // Flume's RollingFileSink counts no batches
        Assert.Equal(1, _log.Count(LogLevel.Information, "RollingFileSink k1 started."));
        Assert.Equal(1, _log.Count(LogLevel.Information, "RollingFile sink k1 stopped. Event metrics: "));
    }

    [Fact]
    public async Task Header_and_text_writes_java_map_text_then_body()
    {
        var ch = Memory();
        var sink = Sink(ch, out _, ("sink.serializer", "header_and_text"), ("sink.pathManager.prefix", "events-"), ("sink.pathManager.extension", "log"));
        await sink.StartAsync(CancellationToken.None);
        Put(ch, Ev("x", ("timestamp", "1700000000000"), ("host", "10.0.0.5"), ("a", "1"), ("type", "x")), Ev("plain"));
        await sink.ProcessAsync(CancellationToken.None);
        var path = Path.Combine(_dir, $"events-{T0}-1.log");
        Assert.Equal("{a=1, host=10.0.0.5, type=x, timestamp=1700000000000} x\n{} plain\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task AppendNewline_false_writes_bodies_only()
    {
        var ch = Memory();
        var sink = Sink(ch, out _, ("sink.serializer", "TEXT"), ("sink.serializer.appendNewline", "false"));
        await sink.StartAsync(CancellationToken.None);
        PutCommit(ch, "a", "b");
        await sink.ProcessAsync(CancellationToken.None);
        Assert.Equal("ab", File.ReadAllText(sink.CurrentPath!));
    }

    [Theory]
    [InlineData("null", 100)]
    [InlineData("deflate", 100)]
    [InlineData("null", 64)] // tiny sync interval: several blocks per transaction
    public async Task Avro_event_file_is_read_back_by_apache_avro(string codec, int syncInterval)
    {
        var ch = Memory(capacity: 1000, txCapacity: 1000);
        var sink = Sink(ch, out var ctx, ("sink.serializer", "avro_event"), ("sink.batchSize", "500"), ("sink.serializer.compressionCodec", codec), ("sink.serializer.syncIntervalBytes", syncInterval.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Empty(ctx.Problems);
        await sink.StartAsync(CancellationToken.None);
        var sent = Enumerable.Range(0, 300).Select(i => Ev("event " + i, ("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("host", "h1"))).ToList();
        sent.Add(new Event(new byte[] { 0, 1, 2, 255 }));
        Put(ch, sent.Take(150).ToArray());
        await sink.ProcessAsync(CancellationToken.None);
        Put(ch, sent.Skip(150).ToArray());
        await sink.ProcessAsync(CancellationToken.None);
        var path = sink.CurrentPath!;
        await sink.StopAsync(CancellationToken.None);

        var read = ReadAvro(path);
        Assert.Equal(sent.Count, read.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.Equal(sent[i].BodyArray, read[i].Body);
            Assert.Equal(sent[i].Headers, read[i].Headers);
        }
    }

    [Fact]
    public async Task Avro_event_file_without_events_is_a_valid_empty_container()
    {
        var ch = Memory();
        var sink = Sink(ch, out _, ("sink.serializer", "AVRO_EVENT"));
        await sink.StartAsync(CancellationToken.None);
        Assert.Equal(SinkStatus.Backoff, await sink.ProcessAsync(CancellationToken.None));
        var path = sink.CurrentPath!;
        await sink.StopAsync(CancellationToken.None);
        Assert.Empty(ReadAvro(path));
    }

    [Fact]
    public async Task Rolls_every_interval_even_without_events()
    {
        var ch = Memory();
        var sink = Sink(ch, out _, ("sink.rollInterval", "30"));
        await sink.StartAsync(CancellationToken.None);
        PutCommit(ch, "one");
        await sink.ProcessAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(29));
        PutCommit(ch, "two");
        await sink.ProcessAsync(CancellationToken.None);
        Assert.Equal(Path.Combine(_dir, $"{T0}-1"), sink.CurrentPath);

        _time.Advance(TimeSpan.FromSeconds(1));
        PutCommit(ch, "three");
        await sink.ProcessAsync(CancellationToken.None);
        Assert.Equal(Path.Combine(_dir, $"{T0}-2"), sink.CurrentPath);

        _time.Advance(TimeSpan.FromSeconds(30));
        await sink.ProcessAsync(CancellationToken.None); // idle: still a new (empty) file, as Flume
        await sink.StopAsync(CancellationToken.None);

        Assert.Equal("one\ntwo\n", File.ReadAllText(Path.Combine(_dir, $"{T0}-1")));
        Assert.Equal("three\n", File.ReadAllText(Path.Combine(_dir, $"{T0}-2")));
        Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(_dir, $"{T0}-3")));
        var c = (FlumeNet.Metrics.SinkCounter)sink.Counters;
        Assert.Equal((3, 3), (c.ConnectionCreatedCount, c.ConnectionClosedCount));
    }

    [Fact]
    public async Task RollInterval_zero_never_rolls_and_says_so()
    {
        var ch = Memory();
        var sink = Sink(ch, out _, ("sink.rollInterval", "0"));
        await sink.StartAsync(CancellationToken.None);
        PutCommit(ch, "a");
        await sink.ProcessAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        PutCommit(ch, "b");
        await sink.ProcessAsync(CancellationToken.None);
        Assert.Equal(Path.Combine(_dir, $"{T0}-1"), sink.CurrentPath);
        Assert.Equal(1, _log.Count(LogLevel.Information, "RollInterval is not valid, file rolling will not happen."));
    }

    [Fact]
    public async Task Rolltime_names_files_by_local_opening_time_and_restarts_the_counter()
    {
        var ch = Memory();
        var sink = Sink(ch, out _, ("sink.pathManager", "ROLLTIME"), ("sink.rollInterval", "1"), ("sink.pathManager.prefix", "p-"), ("sink.pathManager.extension", "txt"));
        await sink.StartAsync(CancellationToken.None);
        await sink.ProcessAsync(CancellationToken.None);
        Assert.Equal(Path.Combine(_dir, "p-20231114221320-1.txt"), sink.CurrentPath);
        _time.Advance(TimeSpan.FromSeconds(1));
        await sink.ProcessAsync(CancellationToken.None);
        Assert.Equal(Path.Combine(_dir, "p-20231114221321-1.txt"), sink.CurrentPath);
    }

    [Fact]
    public async Task Removed_directory_fails_keeps_events_and_resumes_when_it_is_back()
    {
        var ch = Memory();
        var sink = Sink(ch, out _);
        await sink.StartAsync(CancellationToken.None);
        PutCommit(ch, "before");
        await sink.ProcessAsync(CancellationToken.None);

        Directory.Delete(_dir, recursive: true);
        PutCommit(ch, "a", "b");
        var first = await Assert.ThrowsAsync<EventDeliveryException>(() => sink.ProcessAsync(CancellationToken.None).AsTask());
        Assert.Contains($"{T0}-1", first.Message, StringComparison.Ordinal);
        Assert.Equal(2, ch.Size);
        var again = await Assert.ThrowsAsync<EventDeliveryException>(() => sink.ProcessAsync(CancellationToken.None).AsTask());
        Assert.Contains("Failed to open file " + Path.Combine(_dir, $"{T0}-2"), again.Message, StringComparison.Ordinal);
        Assert.Equal(2, ch.Size);

        Directory.CreateDirectory(_dir);
        Assert.Equal(SinkStatus.Backoff, await sink.ProcessAsync(CancellationToken.None));
        Assert.Equal(0, ch.Size);
        Assert.Equal("a\nb\n", File.ReadAllText(Path.Combine(_dir, $"{T0}-2")));
        var c = (FlumeNet.Metrics.SinkCounter)sink.Counters;
        Assert.Equal((1L, 1L), (c.EventWriteFail, c.ConnectionFailedCount));
    }

    [Fact]
    public async Task Full_disk_fails_keeps_events_and_resumes_on_a_new_file()
    {
        var ch = Memory();
        var full = true;
        var sink = new RollingFileSink("k1", ch, SinkCtx(("sink.directory", _dir)), Services(), path =>
            full ? new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0) : new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read));
        await sink.StartAsync(CancellationToken.None);
        PutCommit(ch, "a", "b", "c");
        var ex = await Assert.ThrowsAsync<EventDeliveryException>(() => sink.ProcessAsync(CancellationToken.None).AsTask());
        Assert.Contains($"Failed to write 3 events to {Path.Combine(_dir, $"{T0}-1")}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, ch.Size);

        full = false;
        await sink.ProcessAsync(CancellationToken.None);
        Assert.Equal(0, ch.Size);
        Assert.Equal("a\nb\nc\n", File.ReadAllText(Path.Combine(_dir, $"{T0}-2")));
    }

    [Theory]
    [InlineData("sink.directory", null)]
    [InlineData("sink.rollInterval", "30s")]
    [InlineData("sink.batchSize", "0")]
    [InlineData("sink.serializer", "JSON")]
    [InlineData("sink.pathManager", "HOURLY")]
    public void Invalid_settings_are_errors_naming_the_key(string key, string? value)
    {
        var props = new List<(string, string)> { ("sink.directory", _dir) };
        props.RemoveAll(p => p.Item1 == key);
        if (value is not null)
        {
            props.Add((key, value));
        }

        var ctx = SinkCtx(props.ToArray());
        _ = new RollingFileSink("k1", Memory(), ctx, Services());
        Assert.Contains("a1.sinks.k1." + key, Assert.Single(ctx.Problems, p => p.Severity == ProblemSeverity.Error).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Flume_class_names_are_accepted_for_serializer_and_path_manager()
    {
        var ctx = SinkCtx(("sink.directory", _dir), ("sink.serializer", "org.apache.flume.serialization.HeaderAndBodyTextEventSerializer$Builder"), ("sink.pathManager", "org.apache.flume.formatter.output.RollTimePathManager$Builder"));
        var sink = new RollingFileSink("k1", Memory(), ctx, Services());
        Assert.Empty(ctx.Problems);
        Assert.Equal("sink.batchSize", sink.BatchSizeKey);
        Assert.NotNull(ComponentRegistry.Default.Find(ComponentKind.Sink, "org.apache.flume.sink.RollingFileSink"));
        Assert.NotNull(ComponentRegistry.Default.Find(ComponentKind.Sink, "FILE_ROLL"));
    }

    private static ComponentContext SinkCtx(params (string Key, string Value)[] props) => Ctx.Named("k1", "a1.sinks.k1.", props);

    private static void Put(IChannel ch, params Event[] events)
    {
        using var tx = ch.BeginTransaction();
        foreach (var e in events)
        {
            tx.Put(e);
        }

        tx.Commit();
    }

    private static List<(Dictionary<string, string> Headers, byte[] Body)> ReadAvro(string path)
    {
        var result = new List<(Dictionary<string, string>, byte[])>();
        using var reader = DataFileReader<GenericRecord>.OpenReader(path);
        Assert.Equal("Event", reader.GetSchema().Name);
        while (reader.HasNext())
        {
            var r = reader.Next();
            var headers = ((IDictionary<string, object>)r["headers"]).ToDictionary(kv => kv.Key, kv => (string)kv.Value);
            result.Add((headers, (byte[])r["body"]));
        }

        return result;
    }

    private BuildServices Services() => new(_log, _time, new Dictionary<string, string>());

    private RollingFileSink Sink(IChannel ch, out ComponentContext ctx, params (string Key, string Value)[] props)
    {
        ctx = SinkCtx([("sink.directory", _dir), .. props]);
        return new RollingFileSink("k1", ch, ctx, Services());
    }
}
