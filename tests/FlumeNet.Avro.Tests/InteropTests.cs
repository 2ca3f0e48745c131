using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FlumeNet.Avro;

namespace FlumeNet.Avro.Tests;

/// <summary>
/// Interop with Debian's python3-avro (avro.ipc Requestor/Responder), an independent Avro IPC
/// implementation, through interop/avro_netty_peer.py (Netty frame transport). Requires
/// /usr/bin/python3 with avro.ipc (apt-get install -y python3-avro); fails, never skips, without it.
/// </summary>
public sealed class InteropTests
{
    private const string Python = "/usr/bin/python3";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "interop", "avro_netty_peer.py");

    private static string ProtocolFile => Path.Combine(Capture.Dir, "AvroSourceProtocol.json");

    private static void RequirePythonAvro()
    {
        string problem;
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Python, ["-c", "import avro.ipc"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit(30_000);
            if (p.ExitCode == 0)
            {
                return;
            }

            problem = err.Trim();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            problem = ex.Message;
        }

        Assert.Fail($"interop tests need {Python} with avro.ipc: run 'apt-get install -y python3-avro' ({problem})");
    }

    private static Process StartPython(params string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Script);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi)!;
    }

    [Fact]
    public async Task PythonClientToFlumeNetServer()
    {
        RequirePythonAvro();
        var handler = new RecordingHandler();
        var log = new TestLogger();
        await using AvroRpcServer server = await Net.StartServer(handler, log);
        using Process py = StartPython("client", ProtocolFile, "127.0.0.1", server.LocalEndPoint!.Port.ToString(), "25");
        Task<string> stdout = py.StandardOutput.ReadToEndAsync();
        Task<string> stderr = py.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await py.WaitForExitAsync(cts.Token);
        string output = await stdout;
        Assert.True(py.ExitCode == 0, $"python client failed: {output}\n{await stderr}\nserver log:\n{log.Dump()}");
        Assert.Contains("STATUS OK OK", output);

        IReadOnlyList<IFlumeEvent>[] calls = handler.Calls.ToArray();
        Assert.Equal(2, calls.Length);
        Assert.Equal(25, calls[0].Count);
        Assert.Equal("python", calls[0][24].Headers["from"]);
        Assert.Equal("24", calls[0][24].Headers["n"]);
        Assert.Equal("py-24", Encoding.UTF8.GetString(calls[0][24].Body.Span));
        Assert.Equal("single", Encoding.UTF8.GetString(Assert.Single(calls[1]).Body.Span));
    }

    [Fact]
    public async Task FlumeNetClientToPythonServer()
    {
        RequirePythonAvro();
        using Process py = StartPython("server", ProtocolFile, "11");
        Task<string> stderr = py.StandardError.ReadToEndAsync();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? first = await py.StandardOutput.ReadLineAsync(cts.Token);
            Assert.True(first is not null && first.StartsWith("PORT ", StringComparison.Ordinal), $"python server did not start: {first} {(py.HasExited ? await stderr : string.Empty)}");
            int port = int.Parse(first!.AsSpan(5));

            var clientLog = new TestLogger();
            await using (AvroRpcClient client = await AvroRpcClient.ConnectAsync(Net.ClientOptions(port), clientLog, default))
            {
                var batch = Enumerable.Range(0, 10)
                    .Select(i => (IFlumeEvent)TestEvent.Of($"net-{i} ✓", ("n", i.ToString()), ("from", "flumenet")))
                    .ToList();
                Assert.Equal(AvroStatus.Ok, await client.AppendBatchAsync(batch, default));
                Assert.Equal(AvroStatus.Ok, await client.AppendAsync(TestEvent.Of("single"), default));
            }

            var events = new List<JsonElement>();
            string? line;
            while ((line = await py.StandardOutput.ReadLineAsync(cts.Token)) is not null && line != "DONE")
            {
                if (line.StartsWith("EVENT ", StringComparison.Ordinal))
                {
                    events.Add(JsonDocument.Parse(line[6..]).RootElement);
                }
            }

            Assert.True(line == "DONE", $"python server did not finish: {await stderr}");
            Assert.Equal(11, events.Count);
            Assert.Equal("net-9 ✓", events[9].GetProperty("body").GetString());
            Assert.Equal("flumenet", events[9].GetProperty("headers").GetProperty("from").GetString());
            Assert.Equal("single", events[10].GetProperty("body").GetString());
            // python's protocol hash differs from Flume's: the NONE round trip must have happened
            Assert.Contains(clientLog.Lines, l => l.Message.Contains("None", StringComparison.Ordinal));
        }
        finally
        {
            if (!py.HasExited)
            {
                py.Kill(entireProcessTree: true);
            }
        }
    }
}
