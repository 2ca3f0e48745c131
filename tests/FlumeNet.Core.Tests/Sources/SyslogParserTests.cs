using System.Text;
using FlumeNet.Sources.Syslog;
using Microsoft.Extensions.Time.Testing;

namespace FlumeNet.Core.Tests.Sources;

/// <summary>
/// The syslogtcp/syslogudp parser against the conformance rows of spec syslog.md §10 (real Flume 1.11, JVM zone UTC,
/// clock 2026-11-30 05:40 UTC). Headers are compared as sets, bodies byte for byte.
/// </summary>
public sealed class SyslogParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 5, 40, 0, TimeSpan.Zero);

    private static SyslogParser Parser(int eventSize = 2500, string? keep = null, bool udp = false, TimeZoneInfo? zone = null) =>
        new(eventSize, SyslogKeepFields.Parse(keep), udp, new FakeTimeProvider(Now), zone ?? TimeZoneInfo.Utc);

    private static List<SyslogParser.Built> Tcp(string input, int eventSize = 2500, string? keep = null) => Tcp(Encoding.Latin1.GetBytes(input), Parser(eventSize, keep));

    private static List<SyslogParser.Built> Tcp(byte[] input, SyslogParser parser)
    {
        var output = new List<SyslogParser.Built>();
        parser.Feed(input, output);
        return output;
    }

    private static Dictionary<string, string> H(string spec) =>
        spec.Length == 0 ? new() : spec.Split(", ").Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

    private static void Check(SyslogParser.Built b, string headers, string body)
    {
        Assert.Equal(H(headers).OrderBy(kv => kv.Key), b.Event.Headers.OrderBy(kv => kv.Key));
        Assert.Equal(body, Encoding.UTF8.GetString(b.Event.BodyArray));
    }

    public static TheoryData<string, string, string, string> TcpRows => new()
    {
        { "T1", "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8\n", "host=mymachine, Severity=2, Facility=4, priority=34, timestamp=1791756855000", "su: 'su root' failed for lonvick on /dev/pts/8" },
        { "T2", "<13>Feb  5 07:08:09 host1 app[123]: hello\n", "host=host1, Severity=5, Facility=1, priority=13, timestamp=1770275289000", "app[123]: hello" },
        { "T3", "<13>Dec 31 23:59:59 host1 newyear\n", "host=host1, Severity=5, Facility=1, priority=13, timestamp=1767225599000", "newyear" },
        { "T4", "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] An application event\n", "host=mymachine.example.com, Severity=5, Facility=20, priority=165, version=1, timestamp=1065910455003", "evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] An application event" },
        { "T5", "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - It's time to make the do-nuts.\n", "host=192.0.2.1, Severity=5, Facility=20, priority=165, version=1, timestamp=1061702055000", "myproc 8710 - - It's time to make the do-nuts." },
        { "T6", "<165>1 2003-10-11T22:14:15+02:00 host app - - - msg\n", "host=host, Severity=5, Facility=20, priority=165, version=1, timestamp=1065903255000", "app - - - msg" },
        { "T7", "<14>1 - - app - - - hello\n", "Severity=6, Facility=1, priority=14, version=1", "app - - - hello" },
        { "T8", "<14>1 2026-11-30T01:02:03.5Z host app - - - frac\n", "host=host, Severity=6, Facility=1, priority=14, version=1, timestamp=1796000523005", "app - - - frac" },
        { "T9", "<14>1 2026-11-30T01:02:03 host app - - - nozone\n", "host=host, Severity=6, Facility=1, priority=14, version=1, timestamp=1796000523000", "app - - - nozone" },
        { "T10", "Oct 11 22:14:15 host no priority here\n", "Severity=0, Facility=0, flume.syslog.status=Invalid", "Oct 11 22:14:15 host no priority here" },
        { "T11", "<abc>Oct 11 22:14:15 host bad prio\n", "Severity=0, Facility=0, flume.syslog.status=Invalid", "<abc>Oct 11 22:14:15 host bad prio" },
        { "T12", "<1234>Oct 11 22:14:15 host bad prio\n", "Severity=0, Facility=0, flume.syslog.status=Invalid", "<1234>Oct 11 22:14:15 host bad prio" },
        { "T14", "<13>Oct 11 22:14:15 host crlf line\r\n", "Severity=5, Facility=1", "<13>Oct 11 22:14:15 host crlf line\r" },
        { "T16", "<13>Oct 11 22:14:15 host \n", "host=host, Severity=5, Facility=1, priority=13, timestamp=1791756855000", "<13>Oct 11 22:14:15 host " },
        { "T17", "<13>hello world\n", "Severity=5, Facility=1", "<13>hello world" },
        { "T21", "<999>Oct 11 22:14:15 host big\n", "host=host, Severity=7, Facility=124, priority=999, timestamp=1791756855000", "big" },
        { "T22", "<13>Foo 11 22:14:15 host badmonth\n", "host=host, Severity=5, Facility=1, priority=13", "badmonth" },
        { "T23", "<13>1 2026-02-30T10:00:00Z host app - - - lenient\n", "host=host, Severity=5, Facility=1, priority=13, version=1, timestamp=1772445600000", "app - - - lenient" },
    };

    [Theory]
    [MemberData(nameof(TcpRows))]
    public void Tcp_line_gives_flume_headers_and_body(string row, string input, string headers, string body)
    {
        var events = Tcp(input);
        Assert.True(events.Count == 1, row);
        Check(events[0], headers, body);
    }

    [Fact]
    public void Empty_lines_and_unterminated_tails_give_no_event()
    {
        Assert.Empty(Tcp("\n"));
        Assert.Empty(Tcp("<13>Oct 11 22:14:15 h unterminated"));
    }

    [Fact]
    public void Invalid_utf8_becomes_replacement_characters_in_the_parsed_body()
    {
        var input = Encoding.Latin1.GetBytes("<13>Oct 11 22:14:15 host caf\xE9 \xFF end\n");
        var e = Assert.Single(Tcp(input, Parser()));
        Assert.Equal(Convert.FromHexString("636166EFBFBD20EFBFBD20656E64"), e.Event.BodyArray);
    }

    [Fact]
    public void Priority_and_version_of_a_match_stay_for_later_lines_of_the_connection()
    {
        var events = Tcp("<13>Oct 11 22:14:15 host first\n<99>garbage\nnoprio\n");
        Assert.Equal(3, events.Count);
        Check(events[0], "host=host, Severity=5, Facility=1, priority=13, timestamp=1791756855000", "first");
        Check(events[1], "Severity=3, Facility=12, priority=13", "<99>garbage");
        Check(events[2], "Severity=0, Facility=0, priority=13, flume.syslog.status=Invalid", "noprio");
        Assert.True(events[2].Invalid);
    }

    [Fact]
    public void Oversized_line_is_cut_at_eventSize_into_an_incomplete_and_an_invalid_event()
    {
        var events = Tcp("<13>Oct 11 22:14:15 host " + new string('A', 2600) + "\n");
        Assert.Equal(2, events.Count);
        Check(events[0], "flume.syslog.status=Incomplete, host=host, Severity=5, Facility=1, priority=13, timestamp=1791756855000", new string('A', 2475));
        Assert.True(events[0].Incomplete);
        Check(events[1], "Severity=0, Facility=0, priority=13, flume.syslog.status=Invalid", new string('A', 125));
    }

    [Fact]
    public void Line_of_exactly_eventSize_is_incomplete_and_its_newline_skipped()
    {
        var events = Tcp("<13>Oct 11 22:14:15 host " + new string('B', 2475) + "\n");
        Check(Assert.Single(events), "flume.syslog.status=Incomplete, host=host, Severity=5, Facility=1, priority=13, timestamp=1791756855000", new string('B', 2475));
    }

    [Fact]
    public void Small_eventSize_cuts_a_line_in_two()
    {
        var events = Tcp("<13>Oct 11 22:14:15 host 0123456789ABCDEFGHIJ\n", eventSize: 40);
        Assert.Equal(2, events.Count);
        Check(events[0], "flume.syslog.status=Incomplete, host=host, Severity=5, Facility=1, priority=13, timestamp=1791756855000", "0123456789ABCDE");
        Check(events[1], "Severity=0, Facility=0, priority=13, flume.syslog.status=Invalid", "FGHIJ");
    }

    [Fact]
    public void A_line_split_across_reads_is_one_event()
    {
        var parser = Parser();
        var output = new List<SyslogParser.Built>();
        parser.Feed("<34>Oct 11 22:1"u8, output);
        Assert.Empty(output);
        parser.Feed("4:15 mymachine su: failed\n"u8, output);
        Check(Assert.Single(output), "host=mymachine, Severity=2, Facility=4, priority=34, timestamp=1791756855000", "su: failed");
    }

    [Theory]
    [InlineData("true", "<34>Oct 11 22:14:15 mymachine su: failed\n", "host=mymachine, Severity=2, Facility=4, priority=34, timestamp=1791756855000", "<34>Oct 11 22:14:15 mymachine su: failed")]
    [InlineData("all", "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - body\n", "host=mymachine.example.com, Severity=5, Facility=20, priority=165, version=1, timestamp=1065910455003", "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - body")]
    [InlineData("priority version hostname", "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - body\n", "host=mymachine.example.com, Severity=5, Facility=20, priority=165, version=1, timestamp=1065910455003", "<165>1 mymachine.example.com evntslog - ID47 - body")]
    [InlineData("priority version hostname", "<14>1 - - app - - - hello\n", "Severity=6, Facility=1, priority=14, version=1", "<14>1 null app - - - hello")]
    [InlineData("timestamp hostname", "<13>Oct 11 22:14:15 host msg\n", "host=host, Severity=5, Facility=1, priority=13, timestamp=1791756855000", "Oct 11 22:14:15 host msg")]
    [InlineData("timestamp hostname", "<14>1 - - app - - - hello\n", "Severity=6, Facility=1, priority=14, version=1", "null null app - - - hello")]
    [InlineData(" NONE ", "<13>Oct 11 22:14:15 host msg\n", "host=host, Severity=5, Facility=1, priority=13, timestamp=1791756855000", "msg")]
    public void KeepFields_prefixes_the_kept_fields(string keep, string input, string headers, string body)
    {
        Check(Assert.Single(Tcp(input, keep: keep)), headers, body);
    }

    [Fact]
    public void Udp_datagrams_one_event_each_with_state_shared_across_datagrams()
    {
        var p = Parser(udp: true);
        Check(p.ParseDatagram("<34>Oct 11 22:14:15 mymachine su: failed"u8), "host=mymachine, Severity=2, Facility=4, priority=34, timestamp=1791756855000", "su: failed");
        Check(p.ParseDatagram("<13>Oct 11 22:14:15 h one\n<14>Oct 11 22:14:16 h two\n"u8), "host=h, Severity=5, Facility=1, priority=13, timestamp=1791756855000", "one");
        Check(p.ParseDatagram("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\"] An application event"u8), "host=mymachine.example.com, Severity=5, Facility=20, priority=165, version=1, timestamp=1065910455003", "evntslog - ID47 [exampleSDID@32473 iut=\"3\"] An application event");
        Check(p.ParseDatagram("just text"u8), "Severity=0, Facility=0, priority=165, version=1, flume.syslog.status=Invalid", "just text");
        Check(p.ParseDatagram("\n\n<13>Oct 11 22:14:15 host x"u8), "host=host, Severity=5, Facility=1, priority=13, timestamp=1791756855000", "x");
    }

    [Fact]
    public void Udp_empty_datagram_is_a_parse_error()
    {
        var p = Parser(udp: true);
        Assert.Throws<FormatException>(() => p.ParseDatagram([]));
        Assert.Throws<FormatException>(() => p.ParseDatagram("\n\n"u8));
        Check(p.ParseDatagram("<13>Oct 11 22:14:15 host ok"u8), "host=host, Severity=5, Facility=1, priority=13, timestamp=1791756855000", "ok");
    }

    [Fact]
    public void Udp_long_datagram_is_not_flagged()
    {
        var p = Parser(udp: true);
        var text = "<13>Oct 11 22:14:15 host " + new string('C', 2023);
        Check(p.ParseDatagram(Encoding.ASCII.GetBytes(text)), "host=host, Severity=5, Facility=1, priority=13, timestamp=1791756855000", new string('C', 2023));
    }

    [Theory]
    [InlineData("<165>1 2003-10-11T22:14:15.003Z host app - - - a\n", "1065890655003")]
    [InlineData("<165>1 2003-10-11T22:14:15+02:00 host app - - - b\n", "1065903255000")]
    [InlineData("<165>1 2003-10-11T22:14:15Z host app - - - c\n", "1065910455000")]
    [InlineData("<165>1 2003-10-11T22:14:15 host app - - - d\n", "1065890655000")]
    [InlineData("<13>Oct 11 22:14:15 host e\n", "1791737055000")]
    public void Local_zone_is_used_where_flume_uses_the_jvm_zone(string input, string timestamp)
    {
        var kolkata = TimeZoneInfo.CreateCustomTimeZone("Asia/Kolkata", TimeSpan.FromMinutes(330), "IST", "IST");
        var events = Tcp(Encoding.ASCII.GetBytes(input), Parser(zone: kolkata));
        Assert.Equal(timestamp, Assert.Single(events).Event.Headers["timestamp"]);
    }

    [Theory]
    [InlineData("false", false, false, false, false, false)]
    [InlineData("TRUE", true, false, false, false, false)]
    [InlineData("host", false, false, false, false, false)]
    [InlineData("hostname,timestamp", false, false, false, true, true)]
    [InlineData("priorityversion", false, true, true, false, false)]
    public void KeepFields_values(string value, bool all, bool priority, bool version, bool timestamp, bool hostname)
    {
        Assert.Equal(new SyslogKeepFields(all, priority, version, timestamp, hostname), SyslogKeepFields.Parse(value));
    }
}
