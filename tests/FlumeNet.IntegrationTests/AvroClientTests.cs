using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests;

/// <summary><c>flume-ng avro-client</c> against a real FlumeNet collector.</summary>
public sealed class AvroClientTests : IDisposable
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();
    private readonly int _port = Net.FreePort();
    private readonly FlumeProcess _collector;

    public AvroClientTests()
    {
        _collector = Collector.StartLogger(_dir, _port, maxBytesToLog: 64);
    }

    [Fact]
    public void FromFile_DeliversEveryLine_AndExitsZero()
    {
        var lines = Enumerable.Range(0, 503).Select(i => $"file line {i:D3} with some text").ToList();
        var file = _dir.Write("events.txt", string.Join('\n', lines) + "\n");

        using var client = RunClient(null, "-H", "127.0.0.1", "-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-F", file);

        Assert.Equal(0, client.ExitCode);
        Assert.Equal(lines, Collector.WaitForBodies(_collector, lines.Count, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void FromStdin_DeliversEveryLine_AndExitsZero()
    {
        var lines = Enumerable.Range(0, 37).Select(i => $"stdin line {i}").ToList();

        using var client = RunClient(string.Join('\n', lines) + "\n", "--host", "127.0.0.1", "--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(0, client.ExitCode);
        Assert.Equal(lines, Collector.WaitForBodies(_collector, lines.Count, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void AgainstClosedPort_ExitsNonZero()
    {
        var closed = Net.FreePort();
        var file = _dir.Write("one.txt", "lost\n");

        using var client = RunClient(null, "-H", "127.0.0.1", "-p", closed.ToString(System.Globalization.CultureInfo.InvariantCulture), "-F", file);

        Assert.NotEqual(0, client.ExitCode);
        Assert.Contains(client.Lines, l => l.Contains($"{closed}", StringComparison.Ordinal));
        Assert.Empty(client.StackFrameLines());
    }

    public void Dispose()
    {
        _collector.Dispose();
        _dir.Dispose();
    }

    internal static FlumeProcess RunClient(string? stdin, params string[] args)
    {
        var p = FlumeProcess.Start(new[] { "avro-client", "-Dflume.root.logger=INFO,console" }.Concat(args), "avro-client", stdin);
        if (!p.WaitForExit(ClientTimeout))
        {
            var tail = p.Tail();
            p.Dispose();
            Assert.Fail($"avro-client did not exit:\n{tail}");
        }

        return p;
    }
}
