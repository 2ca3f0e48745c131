using System.Net;
using System.Net.Sockets;
using System.Text;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests.Sources;

/// <summary>
/// The http source in a real agent, driven by curl: 200 with the events at the logger sink, 400 naming what was
/// wrong, 503 when the channel is full, 413 above the body limit, and garbage or a slow client leave it serving.
/// </summary>
public sealed class HttpSourceTests
{
    private static (string Code, string Body) Curl(int port, string body, string path = "/")
    {
        var (exit, stdout, stderr) = ExternalTool.Run(
            "curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body, $"http://127.0.0.1:{port}{path}");
        Assert.True(exit == 0, $"curl exited {exit}: {stderr}");
        var cut = stdout.LastIndexOf('\n');
        return (stdout[(cut + 1)..], stdout[..cut]);
    }

    [Fact]
    public void Curl_gets_flume_answers_and_bad_clients_leave_the_source_serving()
    {
        using var dir = new TempDir();
        int port = Net.FreePort(), fullPort = Net.FreePort();
        var conf = dir.Write("http.properties", $"""
            a1.sources = r1 r2
            a1.channels = c1 c2
            a1.sinks = k1
            a1.sources.r1.type = http
            a1.sources.r1.bind = 127.0.0.1
            a1.sources.r1.port = {port}
            a1.sources.r1.maxRequestBytes = 65536
            a1.sources.r1.requestTimeout = 1000
            a1.sources.r1.channels = c1
            a1.sources.r2.type = org.apache.flume.source.http.HTTPSource
            a1.sources.r2.bind = 127.0.0.1
            a1.sources.r2.port = {fullPort}
            a1.sources.r2.channels = c2
            a1.channels.c1.type = memory
            a1.channels.c2.type = memory
            a1.channels.c2.capacity = 2
            a1.channels.c2.transactionCapacity = 2
            a1.channels.c2.keep-alive = 0
            a1.sinks.k1.type = logger
            a1.sinks.k1.maxBytesToLog = 1000
            a1.sinks.k1.channel = c1
            """);
        using var agent = FlumeProcess.StartAgent(conf);
        Retry.Until(() => Net.IsListening("127.0.0.1", port) && Net.IsListening("127.0.0.1", fullPort), Collector.StartTimeout, () => "http sources not listening:\n" + agent.Tail());

        Assert.Equal(("200", string.Empty), Curl(port, """[{"headers":{"h":"v"},"body":"first event"},{"body":"second event"}]""", "/any/path"));
        Assert.Equal(["first event", "second event"], Collector.WaitForBodies(agent, 2, TimeSpan.FromSeconds(20)));
        Assert.Contains(agent.Lines, l => l.Contains("Event: { headers:{h=v} body:", StringComparison.Ordinal));

        var (code, text) = Curl(port, """[{"body":"unclosed""");
        Assert.Equal("400", code);
        Assert.StartsWith("Bad request from client. Request has invalid JSON Syntax.", text, StringComparison.Ordinal);
        Retry.Until(() => agent.CountLines("Received bad request from client") == 1, TimeSpan.FromSeconds(10), () => agent.Tail());

        // A full channel (capacity 2, no sink) answers 503 so that the client retries.
        Assert.Equal("200", Curl(fullPort, """[{"body":"a"},{"body":"b"}]""").Code);
        var (fullCode, fullText) = Curl(fullPort, """[{"body":"c"}]""");
        Assert.Equal("503", fullCode);
        Assert.StartsWith("Error appending event to channel. Channel might be full.", fullText, StringComparison.Ordinal);

        // Oversized body → 413; garbage on the socket → 400 from the HTTP layer; a client that stalls mid-headers
        // is cut off after requestTimeout. The source serves others meanwhile.
        Assert.Equal("413", Curl(port, "[" + new string(' ', 70_000) + "]").Code);
        using (var garbage = new TcpClient())
        {
            garbage.Connect(IPAddress.Loopback, port);
            garbage.GetStream().Write("\u0001\u0002 NOT HTTP AT ALL\r\n\r\n"u8);
            var reply = new byte[64];
            var n = garbage.GetStream().Read(reply);
            Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(reply, 0, n), StringComparison.Ordinal);
        }

        Retry.Until(() => agent.CountLines("Invalid request line") == 1, TimeSpan.FromSeconds(10), () => "garbage not logged once:\n" + agent.Tail());
        Assert.Equal(1, agent.CountLines("Request body too large. The max request body size is 65536 bytes."));

        using var slow = new TcpClient();
        slow.Connect(IPAddress.Loopback, port);
        slow.GetStream().Write("POST / HTTP/1.1\r\nHost: x\r\n"u8);
        Assert.Equal(("200", string.Empty), Curl(port, """[{"body":"third event"}]"""));
        slow.ReceiveTimeout = 15_000;
        var buf = new byte[256];
        int read;
        try
        {
            read = slow.GetStream().Read(buf);
        }
        catch (IOException)
        {
            read = 0;
        }

        Assert.True(read == 0 || Encoding.ASCII.GetString(buf, 0, read).StartsWith("HTTP/1.1 408", StringComparison.Ordinal), "the stalled client should be answered 408 or closed");
        Retry.Until(() => agent.CountLines("Reading the request headers timed out.") == 1, TimeSpan.FromSeconds(10), () => "stalled client not logged once:\n" + agent.Tail());
        Assert.Equal(("200", string.Empty), Curl(port, """[{"body":"fourth event"}]"""));
        Assert.Equal(["first event", "second event", "third event", "fourth event"], Collector.WaitForBodies(agent, 4, TimeSpan.FromSeconds(20)));

        agent.Signal(15);
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(10)), agent.Tail());
        Assert.Equal(1, agent.CountLines("Http source r1 stopped. Metrics: SOURCE:r1{"));
    }
}
