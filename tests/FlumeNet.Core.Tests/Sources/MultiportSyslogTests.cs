using System.Net;
using System.Net.Sockets;
using System.Text;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Runtime;
using FlumeNet.Sources.Syslog;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static FlumeNet.Core.Tests.Support.TestChannels;

namespace FlumeNet.Core.Tests.Sources;

/// <summary>multiport_syslogtcp against spec syslog.md §5 and the M rows of §10 (clock 2026-11-30 05:40 UTC).</summary>
public sealed class MultiportSyslogTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 5, 40, 0, TimeSpan.Zero);
    private readonly LogCapture _log = new();

    private static Dictionary<string, string> H(string spec) =>
        spec.Split(", ").Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

    public static TheoryData<string, string, string?, string> Rows => new()
    {
        { "M1", "<13>Oct 11 22:14:15 h msg", "host=h, Severity=5, Facility=1, Priority=13, timestamp=1002838455000", "msg" },
        { "M2", "<13>Nov 29 22:14:15 h msg", "host=h, Severity=5, Facility=1, Priority=13, timestamp=1795990455000", "msg" },
        { "M3", "<13>Dec 31 23:59:59 h msg", "host=h, Severity=5, Facility=1, Priority=13, timestamp=946684799000", "msg" },
        { "M4", "<14>1 2026-11-30T01:02:03.5Z h a", "Version=1, Priority=14, host=h, Severity=6, Facility=1, timestamp=1796000523500", "a" },
        { "M5", "<14>1 2003-10-11T22:14:15+02:00 h a", "Version=1, Priority=14, host=h, Severity=6, Facility=1, timestamp=1065903255000", "a" },
        { "M7", "<14>1 2026-11-30T01:02:03 h a", null, "" },
        { "M12", "hello", null, "" },
        { "M13", "<14>1 - h app", "Version=1, Priority=14, host=h, Severity=6, Facility=1, timestamp=" + Now.ToUnixTimeMilliseconds(), "app" },
        { "M14", "<13>Oct 11 22:14:15 host", null, "" },
        { "M15", "<13>Oct 11 22:14:15 host ", "host=host, Severity=5, Facility=1, Priority=13, timestamp=1002838455000", "<13>Oct 11 22:14:15 host " },
        { "M16", "<13>Oct 11 22:14:15 h crlf\r", "host=h, Severity=5, Facility=1, Priority=13, timestamp=1002838455000", "crlf\r" },
        { "M18", "<13>Oct 1 22:14:15 host m", "host=ost, Severity=5, Facility=1, Priority=13, timestamp=0", "m" },
        { "neg", "<-1>Oct 11 22:14:15 h x", "host=h, Severity=-1, Facility=0, Priority=-1, timestamp=1002838455000", "x" },
        { "v2", "<13>2 2003-10-11T22:14:15Z h a", null, "" },
        { "tz", "<14>1 2003-10-11T22:14:15+0200 h a", null, "" },
        { "frac-end", "<14>1 2026-11-30T01:02:03.123 h a", null, "" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Line_gives_flume_headers_and_body(string row, string line, string? headers, string body)
    {
        var e = MultiportSyslogParser.Parse(line, Encoding.UTF8, SyslogKeepFields.None, Now);
        if (headers is null)
        {
            Assert.True(e is null, row + " should be Invalid");
            return;
        }

        Assert.NotNull(e);
        Assert.Equal(H(headers).OrderBy(kv => kv.Key), e.Headers.OrderBy(kv => kv.Key));
        Assert.Equal(body, Encoding.UTF8.GetString(e.BodyArray));
    }

    [Fact]
    public void KeepFields_writes_nil_fields_as_dash()
    {
        var e = MultiportSyslogParser.Parse("<14>1 - h app", Encoding.UTF8, SyslogKeepFields.Parse("priority version timestamp hostname"), Now);
        Assert.Equal("<14>1 - h app", Encoding.UTF8.GetString(e!.BodyArray));
        var all = MultiportSyslogParser.Parse("<13>Oct 11 22:14:15 h msg", Encoding.UTF8, SyslogKeepFields.Parse("all"), Now);
        Assert.Equal("<13>Oct 11 22:14:15 h msg", Encoding.UTF8.GetString(all!.BodyArray));
    }

    [Fact]
    public void Framer_splits_at_newline_and_cuts_at_eventSize()
    {
        var framer = new MultiportSyslogTcpSource.LineFramer(40);
        framer.Append(Encoding.ASCII.GetBytes("<13>Oct 11 22:14:15 host 0123456789ABCDEFGHIJ\nshort\n<13>Oct 11 22:14:15 host 012345678901234\npart"));
        var lines = new List<(string, bool)>();
        while (framer.Next(out var line, out var cut))
        {
            lines.Add((Encoding.ASCII.GetString(line), cut));
        }

        Assert.Equal(
            [("<13>Oct 11 22:14:15 host 0123456789ABCDE", true), ("FGHIJ", false), ("short", false), ("<13>Oct 11 22:14:15 host 012345678901234", true), (string.Empty, false)],
            lines);
        framer.Append("ial\n"u8);
        Assert.True(framer.Next(out var rest, out _));
        Assert.Equal("partial", Encoding.ASCII.GetString(rest));
    }

    private MultiportSyslogTcpSource Source(IChannel ch, params (string Key, string Value)[] extra)
    {
        var props = new Dictionary<string, string> { ["type"] = "multiport_syslogtcp", ["host"] = "127.0.0.1", ["ports"] = "0" };
        foreach (var (k, v) in extra)
        {
            props[k] = v;
        }

        var ctx = Ctx.Named("r1", "a1.sources.r1.", [.. props.Select(kv => (kv.Key, kv.Value))]);
        var source = new MultiportSyslogTcpSource("r1", Replicating(ch), ctx, new BuildServices(_log, new FakeTimeProvider(Now), new Dictionary<string, string>()));
        Assert.False(ctx.HasErrors, string.Join("; ", ctx.Problems));
        return source;
    }

    [Fact]
    public void Undecodable_line_is_an_invalid_event_with_the_raw_bytes()
    {
        var source = Source(Memory(), ("portHeader", "port"));
        var raw = Encoding.Latin1.GetBytes("<13>Oct 11 22:14:15 h caf\xE9");
        var utf8 = ("UTF-8", (Encoding)new UTF8Encoding(false, true), (Encoding)Encoding.UTF8);
        var e = source.BuildEvent(raw, false, 15145, utf8, null);
        Assert.Equal(H("port=15145, flume.syslog.status=Invalid").OrderBy(kv => kv.Key), e.Headers.OrderBy(kv => kv.Key));
        Assert.Equal(raw, e.BodyArray);
        Assert.Equal(1, _log.Count(LogLevel.Information, "Error decoding line with charset (UTF-8)"));
        Assert.Equal(1, ((FlumeNet.Metrics.SourceCounter)source.Counters).EventReadFail);

        var latin1 = ("ISO-8859-1", Encoding.Latin1, Encoding.Latin1);
        var ok = source.BuildEvent(raw, false, 15146, latin1, null);
        Assert.Equal("5", ok.Headers["Severity"]);
        Assert.Equal(Encoding.Latin1.GetBytes("caf\xE9"), ok.BodyArray);
    }

    [Fact]
    public void Unknown_charset_is_a_config_error_naming_the_key()
    {
        var ctx = Ctx.Named("r1", "a1.sources.r1.", ("type", "multiport_syslogtcp"), ("ports", "1 2"), ("charset.port.2", "NOPE-9"));
        _ = new MultiportSyslogTcpSource("r1", Replicating(Memory()), ctx, BuildServices.Create(_log));
        var problem = Assert.Single(ctx.Problems);
        Assert.Equal("a1.sources.r1.charset.port.2", problem.Key);
        Assert.Contains("Unable to parse charset string (NOPE-9)", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serves_lines_in_batches_and_skips_empty_lines_and_an_unbindable_port()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var busy = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var ch = Memory(capacity: 1000, txCapacity: 1000);
        var source = Source(ch, ("ports", "0 " + busy), ("batchSize", "2"), ("clientIPHeader", "ip"));
        await source.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal(1, _log.Count(LogLevel.Error, "Could not bind to address: /127.0.0.1:" + busy));
            var port = Assert.Single(source.LocalEndPoints).Port;
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                await client.GetStream().WriteAsync("<13>Oct 11 22:14:15 h one\n\n<13>Oct 11 22:14:15 h two\ngarbage\n<13>Oct 11 22:14:15 h three\n"u8.ToArray());
            }

            var got = new List<string>();
            await Wait.Eventually(
                () =>
                {
                    got.AddRange(Drain(ch));
                    return got.Count >= 4;
                },
                TimeSpan.FromSeconds(10),
                "4 events");
            Assert.Equal(["one", "two", "garbage", "three"], got);
            var counters = (FlumeNet.Metrics.SourceCounter)source.Counters;
            Assert.Equal(4, counters.EventAcceptedCount);
            Assert.Equal(1, counters.EventReadFail);
            await Wait.Eventually(() => _log.Count(LogLevel.Information, "Session closed: (0x00000001: nio socket, server, /127.0.0.1:") == 1, TimeSpan.FromSeconds(10), "session closed");
        }
        finally
        {
            await source.StopAsync(CancellationToken.None);
        }

        Assert.Equal(1, _log.Count(LogLevel.Information, "Multiport Syslog TCP source r1 stopped. Metrics: SOURCE:r1{"));
    }

    [Theory]
    [InlineData("syslogtcp", "port=1", "a1.sources.r1.host")]
    [InlineData("syslogtcp", "host=127.0.0.1", "a1.sources.r1.port")]
    [InlineData("syslogudp", "port=1 ssl=true", "a1.sources.r1.ssl")]
    [InlineData("multiport_syslogtcp", "host=127.0.0.1", "a1.sources.r1.ports")]
    [InlineData("multiport_syslogtcp", "ports=1 ssl=true", "a1.sources.r1.ssl")]
    [InlineData("org.apache.flume.source.MultiportSyslogTCPSource", "ports=1 charset.default=NOPE", "a1.sources.r1.charset.default")]
    [InlineData("org.apache.flume.source.NetcatUdpSource", "bind=127.0.0.1", "a1.sources.r1.port")]
    [InlineData("org.apache.flume.source.http.HTTPSource", "bind=127.0.0.1", "a1.sources.r1.port")]
    public void Syslog_config_errors_name_the_key(string type, string props, string key)
    {
        var ctx = Ctx.Named("r1", "a1.sources.r1.", [("type", type), .. props.Split(' ').Select(p => p.Split('=')).Select(p => (p[0], p[1]))]);
        var factory = ComponentRegistry.Default.FindRegistration(FlumeNet.Configuration.ComponentKind.Source, type)!.Factory as SourceFactory;
        _ = factory!("r1", Replicating(Memory()), ctx, BuildServices.Create(_log));
        Assert.Equal(key, Assert.Single(ctx.Problems, p => p.Severity != FlumeNet.Configuration.ProblemSeverity.Warning).Key);
    }

    [Fact]
    public void Custom_formats_are_warned_about()
    {
        var ctx = Ctx.Named("r1", "a1.sources.r1.", ("type", "syslogtcp"), ("host", "127.0.0.1"), ("port", "1"), ("format.regex", "(.*)"));
        _ = new SyslogTcpSource("r1", Replicating(Memory()), ctx, BuildServices.Create(_log));
        Assert.False(ctx.HasErrors);
        Assert.Equal("a1.sources.r1.format.regex", Assert.Single(ctx.Problems).Key);
    }
}
