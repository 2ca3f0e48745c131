namespace FlumeNet.IntegrationTests.Harness;

/// <summary>Configurations and start-up of the processes most tests need.</summary>
public static class Collector
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary><c>a1</c>: netcat on 127.0.0.1:<paramref name="port"/> → memory → logger, a pipeline a test can feed and watch.</summary>
    public static string NetcatToLogger(int port, string extra = "") => $"""
        a1.sources = r1
        a1.channels = c1
        a1.sinks = k1
        a1.sources.r1.type = netcat
        a1.sources.r1.bind = 127.0.0.1
        a1.sources.r1.port = {port}
        a1.sources.r1.channels = c1
        a1.channels.c1.type = memory
        a1.sinks.k1.type = logger
        a1.sinks.k1.channel = c1
        {extra}
        """;

    /// <summary>
    /// <c>a1</c>: avro source on 127.0.0.1:<paramref name="port"/> → memory → logger sink printing up to
    /// <paramref name="maxBytesToLog"/> body bytes per event.
    /// </summary>
    public static string LoggerConf(int port, int maxBytesToLog = 16, int capacity = 10000, int transactionCapacity = 1000) => $"""
        a1.sources = r1
        a1.channels = c1
        a1.sinks = k1
        a1.sources.r1.type = avro
        a1.sources.r1.bind = 127.0.0.1
        a1.sources.r1.port = {port}
        a1.sources.r1.channels = c1
        a1.channels.c1.type = memory
        a1.channels.c1.capacity = {capacity}
        a1.channels.c1.transactionCapacity = {transactionCapacity}
        a1.sinks.k1.type = logger
        a1.sinks.k1.maxBytesToLog = {maxBytesToLog}
        a1.sinks.k1.channel = c1
        """;

    /// <summary>Starts a logger collector and waits for <c>Avro source r1 started.</c>.</summary>
    public static FlumeProcess StartLogger(TempDir dir, int port, int maxBytesToLog = 16)
    {
        var conf = dir.Write($"collector-{port}.properties", LoggerConf(port, maxBytesToLog));
        var p = FlumeProcess.StartAgent(conf, "a1");
        try
        {
            p.WaitForLine("Avro source r1 started.", StartTimeout);
        }
        catch
        {
            p.Dispose();
            throw;
        }

        return p;
    }

    /// <summary>Waits until <paramref name="p"/> has logged at least <paramref name="count"/> events.</summary>
    public static IReadOnlyList<string> WaitForBodies(FlumeProcess p, int count, TimeSpan timeout)
    {
        IReadOnlyList<string> bodies = Array.Empty<string>();
        Retry.Until(
            () => p.LineCount >= count && (bodies = LoggerLines.Bodies(p.Lines)).Count >= count,
            timeout,
            () => $"{p.Description}: {bodies.Count} of {count} events logged. Output:\n{p.Tail()}");
        return bodies;
    }
}
