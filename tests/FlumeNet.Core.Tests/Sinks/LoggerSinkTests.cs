using FlumeNet.Configuration;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Sinks;
using Microsoft.Extensions.Logging;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Sinks;

/// <summary>The exact examples of components.md §3.1 (copied from the spec table).</summary>
public sealed class LoggerSinkTests
{
    private static ComponentContext SinkCtx(params (string Key, string Value)[] props) => Ctx.Named("k1", "a1.sinks.k1.", props);

    [Fact]
    public void Format_one_byte()
    {
        byte[] body = [0x30];
        Assert.Equal("Event: { headers:{} body: 30                                              0 }", LoggerSink.Format(new Event(null, body), 16));
    }

    [Fact]
    public void Format_hello_with_header()
    {
        byte[] body = "hello"u8.ToArray();
        Assert.Equal("Event: { headers:{a=1} body: 68 65 6C 6C 6F                                  hello }", LoggerSink.Format(new Event(new Dictionary<string, string> { ["a"] = "1" }, body), 16));
    }

    [Fact]
    public void Format_seq_body()
    {
        byte[] body = "S1-0000"u8.ToArray();
        Assert.Equal("Event: { headers:{} body: 53 31 2D 30 30 30 30                            S1-0000 }", LoggerSink.Format(new Event(null, body), 16));
    }

    [Fact]
    public void Format_telnet_cr()
    {
        byte[] body = "Hello world!\r"u8.ToArray();
        Assert.Equal("Event: { headers:{} body: 48 65 6C 6C 6F 20 77 6F 72 6C 64 21 0D          Hello world!. }", LoggerSink.Format(new Event(null, body), 16));
    }

    [Fact]
    public void Format_sixteen_bytes()
    {
        byte[] body = "0123456789abcdef"u8.ToArray();
        Assert.Equal("Event: { headers:{} body: 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66 0123456789abcdef }", LoggerSink.Format(new Event(null, body), 16));
    }

    [Fact]
    public void Format_forty_three_bytes()
    {
        byte[] body = "The quick brown fox jumps over the lazy dog"u8.ToArray();
        Assert.Equal("Event: { headers:{} body: 54 68 65 20 71 75 69 63 6B 20 62 72 6F 77 6E 20 The quick brown  }", LoggerSink.Format(new Event(null, body), 16));
    }

    [Fact]
    public void Format_empty()
    {
        byte[] body = [];
        Assert.Equal("Event: { headers:{} body: }", LoggerSink.Format(new Event(null, body), 16));
    }

    [Fact]
    public void Format_utf8_cafe_euro()
    {
        byte[] body = "café €"u8.ToArray();
        Assert.Equal("Event: { headers:{} body: 63 61 66 C3 A9 20 E2 82 AC                      caf.. ... }", LoggerSink.Format(new Event(null, body), 16));
    }

    [Fact]
    public void Format_binary()
    {
        byte[] body = [0x09, 0x00, 0x7F, 0xFF, 0x20];
        Assert.Equal("Event: { headers:{} body: 09 00 7F FF 20                                  ....  }", LoggerSink.Format(new Event(null, body), 16));
    }

    [Fact]
    public void Format_twenty_bytes_max_32()
    {
        byte[] body = "ABCDEFGHIJKLMNOPQRST"u8.ToArray();
        Assert.Equal("Event: { headers:{} body: 41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F 50 ABCDEFGHIJKLMNOP\n00000010 51 52 53 54                                     QRST }", LoggerSink.Format(new Event(null, body), 32));
    }

    [Fact]
    public void Format_headers_in_Java_hash_order()
    {
        var headers = new Dictionary<string, string>
        {
            ["timestamp"] = "1700000000000",
            ["host"] = "10.0.0.5",
            ["a"] = "1",
            ["type"] = "x",
        };
        Assert.Equal("Event: { headers:{a=1, host=10.0.0.5, type=x, timestamp=1700000000000} body: 78                                              x }", LoggerSink.Format(new Event(headers, "x"u8.ToArray()), 16));
    }

    [Fact]
    public void Format_twenty_bytes_with_default_max_shows_one_row()
    {
        Assert.Equal(
            "Event: { headers:{} body: 41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F 50 ABCDEFGHIJKLMNOP }",
            LoggerSink.Format(new Event("ABCDEFGHIJKLMNOPQRST"u8.ToArray()), 16));
    }

    [Fact]
    public void Format_third_row_keeps_its_offset()
    {
        var text = LoggerSink.Format(new Event(new byte[33]), 64);
        var rows = text.Split('\n');
        Assert.Equal(3, rows.Length);
        Assert.StartsWith("00000010 00 ", rows[1]);
        Assert.StartsWith("00000020 00 ", rows[2]);
        Assert.EndsWith(" . }", rows[2]);
    }

    [Fact]
    public async Task Process_takes_logs_each_event_and_backs_off_when_empty()
    {
        var log = new LogCapture();
        var ch = Memory();
        var sink = new LoggerSink("k1", ch, SinkCtx(("type", "logger")), log);
        PutCommit(ch, "0", "hello");

        Assert.Equal(SinkStatus.Ready, await sink.ProcessAsync(CancellationToken.None));
        Assert.Equal(0, ch.Size);
        var entries = log.Entries.Where(e => e.Category == LoggerSink.Category).ToArray();
        Assert.Equal(2, entries.Length);
        Assert.All(entries, e => Assert.Equal(LogLevel.Information, e.Level));
        Assert.Equal("Event: { headers:{} body: 30                                              0 }", entries[0].Message);
        Assert.StartsWith("Event: { headers:{} body: 68 65 6C 6C 6F ", entries[1].Message);
        Assert.Equal(2, ch.TakeSuccessCount);

        Assert.Equal(SinkStatus.Backoff, await sink.ProcessAsync(CancellationToken.None));
        Assert.Equal(2, log.Entries.Count(e => e.Category == LoggerSink.Category));
    }

    [Fact]
    public async Task Process_honours_maxBytesToLog()
    {
        var log = new LogCapture();
        var ch = Memory();
        var sink = new LoggerSink("k1", ch, SinkCtx(("maxBytesToLog", "32")), log);
        PutCommit(ch, "ABCDEFGHIJKLMNOPQRST");
        await sink.ProcessAsync(CancellationToken.None);
        Assert.EndsWith("\n00000010 51 52 53 54                                     QRST }", log.Entries.Single(e => e.Category == LoggerSink.Category).Message);
    }

    [Fact]
    public void Invalid_maxBytesToLog_warns_and_zero_is_rejected()
    {
        var bad = SinkCtx(("maxBytesToLog", "lots"));
        _ = new LoggerSink("k1", Memory(), bad, new LogCapture());
        var w = Assert.Single(bad.Problems);
        Assert.Equal(ProblemSeverity.Warning, w.Severity);
        Assert.Equal("Unable to convert lots to integer, using default value(16) for maxByteToDump", w.Message);

        var zero = SinkCtx(("maxBytesToLog", "0"));
        _ = new LoggerSink("k1", Memory(), zero, new LogCapture());
        Assert.Equal(ProblemSeverity.Error, Assert.Single(zero.Problems).Severity);
    }
}
