using System.Net;
using System.Net.Sockets;
using System.Text;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests.Sources;

/// <summary>
/// syslogtcp, syslogudp and multiport_syslogtcp in one real agent, fed by util-linux <c>logger</c> (RFC 5424 and
/// RFC 3164) and by raw sockets with garbage, oversized lines and a stalled client.
/// </summary>
public sealed class SyslogSourceTests
{
    private static void Logger(params string[] args)
    {
        var (exit, _, stderr) = ExternalTool.Run("logger", args);
        Assert.True(exit == 0, $"logger {string.Join(' ', args)} exited {exit}: {stderr}");
    }

    /// <summary>The header line of each logged event whose (possibly multi-row) body contains <paramref name="bodyText"/>.</summary>
    private static List<string> EventLines(FlumeProcess agent, string bodyText)
    {
        var lines = agent.Lines;
        var found = new List<string>();
        for (int i = 0; i < lines.Count; i++)
        {
            if (!lines[i].Contains("Event: { headers:", StringComparison.Ordinal))
            {
                continue;
            }

            int end = i + 1;
            while (end < lines.Count && System.Text.RegularExpressions.Regex.IsMatch(lines[end], "^[0-9A-F]{8} "))
            {
                end++;
            }

            var body = LoggerLines.Bodies(lines.Skip(i).Take(end - i)).FirstOrDefault() ?? string.Empty;
            if (body.Contains(bodyText, StringComparison.Ordinal))
            {
                found.Add(lines[i]);
            }
        }

        return found;
    }

    private static string WaitForEvent(FlumeProcess agent, string bodyText)
    {
        Retry.Until(() => EventLines(agent, bodyText).Count > 0, TimeSpan.FromSeconds(20), () => $"no event with '{bodyText}':\n{agent.Tail()}");
        return EventLines(agent, bodyText)[0];
    }

    [Fact]
    public void Logger_messages_become_events_with_syslog_headers_and_bad_input_is_contained()
    {
        using var dir = new TempDir();
        int tcp = Net.FreePort(), udp = Net.FreePort(), multi = Net.FreePort();
        var conf = dir.Write("syslog.properties", $"""
            a1.sources = t u m
            a1.channels = c1
            a1.sinks = k1
            a1.sources.t.type = syslogtcp
            a1.sources.t.host = 127.0.0.1
            a1.sources.t.port = {tcp}
            a1.sources.t.eventSize = 200
            a1.sources.t.clientIPHeader = cip
            a1.sources.t.channels = c1
            a1.sources.u.type = syslogudp
            a1.sources.u.host = 127.0.0.1
            a1.sources.u.port = {udp}
            a1.sources.u.channels = c1
            a1.sources.m.type = multiport_syslogtcp
            a1.sources.m.host = 127.0.0.1
            a1.sources.m.ports = {multi}
            a1.sources.m.portHeader = port
            a1.sources.m.channels = c1
            a1.channels.c1.type = memory
            a1.channels.c1.capacity = 10000
            a1.sinks.k1.type = logger
            a1.sinks.k1.maxBytesToLog = 1000
            a1.sinks.k1.channel = c1
            """);
        using var agent = FlumeProcess.StartAgent(conf);
        Retry.Until(() => Net.IsListening("127.0.0.1", tcp) && Net.IsListening("127.0.0.1", multi), Collector.StartTimeout, () => "syslog sources not listening:\n" + agent.Tail());

        // RFC 5424 over TCP (logger's default format), newline-framed.
        Logger("-n", "127.0.0.1", "-P", tcp.ToString(), "-T", "-t", "flumetest", "-p", "local3.warning", "tcp 5424 message");
        var line = WaitForEvent(agent, "tcp 5424 message");
        Assert.Contains("Facility=19", line, StringComparison.Ordinal);
        Assert.Contains("Severity=4", line, StringComparison.Ordinal);
        Assert.Contains("priority=156", line, StringComparison.Ordinal);
        Assert.Contains("version=1", line, StringComparison.Ordinal);
        Assert.Contains("cip=127.0.0.1", line, StringComparison.Ordinal);
        Assert.Matches(@"timestamp=\d{13}", line);
        Assert.DoesNotContain("flume.syslog.status", line, StringComparison.Ordinal);
        Assert.Contains(LoggerLines.Bodies(agent.Lines), b => b.StartsWith("flumetest ", StringComparison.Ordinal) && b.EndsWith("tcp 5424 message", StringComparison.Ordinal));

        // RFC 3164 over TCP.
        Logger("-n", "127.0.0.1", "-P", tcp.ToString(), "-T", "--rfc3164", "-t", "flumetest", "tcp 3164 message");
        line = WaitForEvent(agent, "tcp 3164 message");
        Assert.Contains("Facility=1", line, StringComparison.Ordinal);
        Assert.Contains("Severity=5", line, StringComparison.Ordinal);
        Assert.Contains(LoggerLines.Bodies(agent.Lines), b => b == "flumetest: tcp 3164 message");

        // UDP: the socket may bind a moment after the TCP ones, so the first datagram is repeated until it lands.
        var polls = 0;
        Retry.Until(
            () =>
            {
                if (EventLines(agent, "udp first").Count > 0)
                {
                    return true;
                }

                if (polls++ % 20 == 0)
                {
                    Logger("-n", "127.0.0.1", "-P", udp.ToString(), "-d", "--rfc3164", "-t", "flumetest", "udp first");
                }

                return false;
            },
            TimeSpan.FromSeconds(20),
            () => "syslogudp never received:\n" + agent.Tail());
        Logger("-n", "127.0.0.1", "-P", udp.ToString(), "-d", "-t", "flumetest", "udp 5424 message");
        line = WaitForEvent(agent, "udp 5424 message");
        Assert.Contains("version=1", line, StringComparison.Ordinal);

        // Multiport: its own parser and header names.
        Logger("-n", "127.0.0.1", "-P", multi.ToString(), "-T", "--rfc3164", "-t", "flumetest", "multiport message");
        line = WaitForEvent(agent, "multiport message");
        Assert.Contains("Priority=13", line, StringComparison.Ordinal);
        Assert.Contains("port=" + multi, line, StringComparison.Ordinal);

        // Bad input: garbage and an oversized line on TCP, an empty datagram on UDP, a client that stalls mid-line.
        using var stalled = new TcpClient();
        stalled.Connect(IPAddress.Loopback, tcp);
        stalled.GetStream().Write("<13>Oct 11 22:14:15 host never finished"u8);
        using (var c = new TcpClient())
        {
            c.Connect(IPAddress.Loopback, tcp);
            c.GetStream().Write(Encoding.ASCII.GetBytes("\u0001\u0002garbage bytes\n<13>Oct 11 22:14:15 host " + new string('X', 300) + "\n"));
        }

        using (var u = new UdpClient())
        {
            u.Send([], new IPEndPoint(IPAddress.Loopback, udp));
        }

        Logger("-n", "127.0.0.1", "-P", tcp.ToString(), "-T", "--rfc3164", "-t", "flumetest", "after the garbage");
        Logger("-n", "127.0.0.1", "-P", udp.ToString(), "-d", "--rfc3164", "-t", "flumetest", "udp after the garbage");
        WaitForEvent(agent, "after the garbage");
        WaitForEvent(agent, "udp after the garbage");
        Assert.Contains("flume.syslog.status=Invalid", WaitForEvent(agent, "garbage bytes"), StringComparison.Ordinal);
        var cut = agent.Lines.Where(l => l.Contains("flume.syslog.status=Incomplete", StringComparison.Ordinal)).ToList();
        Assert.Single(cut);
        Assert.Equal(1, agent.CountLines("Event size larger than specified event size: 200."));
        Assert.Equal(1, agent.CountLines("Error parsing event from syslog stream, event dropped"));
        Assert.Empty(EventLines(agent, "never finished"));

        agent.Signal(15);
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(10)), agent.Tail());
        Assert.Equal(1, agent.CountLines("Syslog TCP Source stopping..."));
        Assert.Equal(1, agent.CountLines("Syslog UDP Source stopping..."));
        Assert.Equal(1, agent.CountLines("Multiport Syslog TCP source m stopped. Metrics: SOURCE:m{"));
    }
}
