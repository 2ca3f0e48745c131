using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using FlumeNet.Avro;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Avro.Tests;

internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}

/// <summary>One capture file: lines in order, grouped into messages (runs of the same direction).</summary>
internal sealed class Capture
{
    public required List<(bool ClientToServer, byte[] Bytes)> Lines { get; init; }

    /// <summary>Consecutive lines of one direction concatenated.</summary>
    public List<(bool ClientToServer, byte[] Bytes)> Runs
    {
        get
        {
            var runs = new List<(bool, byte[])>();
            foreach (var (c2s, bytes) in Lines)
            {
                if (runs.Count > 0 && runs[^1].Item1 == c2s)
                {
                    runs[^1] = (c2s, [.. runs[^1].Item2, .. bytes]);
                }
                else
                {
                    runs.Add((c2s, bytes));
                }
            }

            return runs;
        }
    }

    public byte[] All(bool clientToServer) => Lines.Where(l => l.ClientToServer == clientToServer).SelectMany(l => l.Bytes).ToArray();

    public static string Dir => Path.Combine(AppContext.BaseDirectory, "captures");

    public static Capture Load(string name)
    {
        var lines = new List<(bool, byte[])>();
        foreach (string line in File.ReadAllLines(Path.Combine(Dir, name)))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string[] parts = line.Split(' ', 2);
            lines.Add((parts[0] == "C->S", Hex.Bytes(parts[1].Trim())));
        }

        return new Capture { Lines = lines };
    }
}

internal static class Retry
{
    /// <summary>Polls <paramref name="condition"/> until true or the deadline passes (then fails with <paramref name="what"/>).</summary>
    public static async Task Until(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeoutMs} ms waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }
}

internal sealed record LogLine(LogLevel Level, string Message, Exception? Exception);

internal sealed class TestLogger : ILogger
{
    public ConcurrentQueue<LogLine> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue(new LogLine(logLevel, formatter(state, exception), exception));

    public bool Has(LogLevel level, string fragment) => Lines.Any(l => l.Level == level && l.Message.Contains(fragment, StringComparison.Ordinal));

    public string Dump() => string.Join("\n", Lines.Select(l => $"{l.Level}: {l.Message}"));
}

internal sealed class TestEvent(Dictionary<string, string>? headers, byte[] body) : IFlumeEvent
{
    public IDictionary<string, string> Headers { get; } = headers ?? [];

    public ReadOnlyMemory<byte> Body { get; } = body;

    public static TestEvent Of(string body, params (string K, string V)[] headers) =>
        new(headers.ToDictionary(h => h.K, h => h.V), System.Text.Encoding.UTF8.GetBytes(body));
}

/// <summary>Handler that records calls and answers with a configurable status or exception.</summary>
internal sealed class RecordingHandler : IAvroSourceHandler
{
    public ConcurrentQueue<IReadOnlyList<IFlumeEvent>> Calls { get; } = new();

    public Func<IReadOnlyList<IFlumeEvent>, AvroStatus> Answer { get; set; } = _ => AvroStatus.Ok;

    public int EventCount => Calls.Sum(c => c.Count);

    public ValueTask<AvroStatus> AppendAsync(IFlumeEvent e, CancellationToken ct) => Handle([e]);

    public ValueTask<AvroStatus> AppendBatchAsync(IReadOnlyList<IFlumeEvent> events, CancellationToken ct) => Handle(events);

    private ValueTask<AvroStatus> Handle(IReadOnlyList<IFlumeEvent> events)
    {
        Calls.Enqueue(events);
        return ValueTask.FromResult(Answer(events));
    }
}

internal static class Net
{
    public static async Task<AvroRpcServer> StartServer(IAvroSourceHandler handler, ILogger logger, Func<AvroRpcServerOptions, AvroRpcServerOptions>? configure = null)
    {
        var options = new AvroRpcServerOptions { BindAddress = IPAddress.Loopback, Port = 0 };
        options = configure?.Invoke(options) ?? options;
        var server = new AvroRpcServer(options, handler, logger);
        await server.StartAsync();
        return server;
    }

    public static AvroRpcClientOptions ClientOptions(int port) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    public static async Task<TcpClient> RawConnect(int port)
    {
        var c = new TcpClient { NoDelay = true };
        await c.ConnectAsync(IPAddress.Loopback, port);
        return c;
    }

    /// <summary>Reads exactly n bytes or fails after the timeout.</summary>
    public static async Task<byte[]> ReadExactly(Stream s, int n, int timeoutMs = 10_000)
    {
        var buf = new byte[n];
        using var cts = new CancellationTokenSource(timeoutMs);
        await s.ReadExactlyAsync(buf, cts.Token);
        return buf;
    }

    /// <summary>True when the peer closed the connection (read returns 0 or fails) within the timeout.</summary>
    public static async Task<bool> ClosedByPeer(Stream s, int timeoutMs = 10_000)
    {
        var buf = new byte[4096];
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            while (true)
            {
                if (await s.ReadAsync(buf, cts.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}

/// <summary>
/// Scripted fake server on 127.0.0.1:0: for each expected client message it reads exactly that many
/// bytes, records them, then writes the scripted reply (or hangs / closes).
/// </summary>
internal sealed class FakeServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _run;

    public FakeServer(Func<Stream, CancellationToken, Task> script)
    {
        _listener.Start();
        _run = Task.Run(async () =>
        {
            using TcpClient c = await _listener.AcceptTcpClientAsync(_cts.Token);
            c.NoDelay = true;
            await using NetworkStream s = c.GetStream();
            await script(s, _cts.Token);
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Task Completion => _run;

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Stop();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // script ended by cancellation or failed; a failing test checks Completion itself
        }

        _cts.Dispose();
    }
}
