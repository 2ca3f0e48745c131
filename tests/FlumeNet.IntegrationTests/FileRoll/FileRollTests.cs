using System.Diagnostics;
using System.Text;
using Avro.File;
using Avro.Generic;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests.FileRoll;

/// <summary>
/// seq → interceptors → two memory channels → file_roll TEXT and file_roll AVRO_EVENT in one real agent; the files are
/// read back byte for byte, by Apache.Avro's container reader and by Avro's Python implementation (python3-avro).
/// </summary>
public sealed class FileRollTests
{
    private const string Python = "/usr/bin/python3";
    private const int Total = 500;

    [Fact]
    public void Seq_through_interceptors_to_text_and_avro_files()
    {
        using var dir = new TempDir();
        var textDir = Directory.CreateDirectory(dir.File("text")).FullName;
        var avroDir = Directory.CreateDirectory(dir.File("avro")).FullName;
        var conf = dir.Write("roll.properties", $"""
            a1.sources = r1
            a1.channels = c1 c2
            a1.sinks = k1 k2
            a1.sources.r1.type = seq
            a1.sources.r1.totalEvents = {Total}
            a1.sources.r1.batchSize = 50
            a1.sources.r1.channels = c1 c2
            a1.sources.r1.interceptors = drop7 tag id rm
            a1.sources.r1.interceptors.drop7.type = regex_filter
            a1.sources.r1.interceptors.drop7.regex = 7$
            a1.sources.r1.interceptors.drop7.excludeEvents = true
            a1.sources.r1.interceptors.tag.type = regex_extractor
            a1.sources.r1.interceptors.tag.regex = ^(\\d)(\\d*)$
            a1.sources.r1.interceptors.tag.serializers = first rest
            a1.sources.r1.interceptors.tag.serializers.first.name = lead
            a1.sources.r1.interceptors.tag.serializers.rest.name = tail
            a1.sources.r1.interceptors.id.type = org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder
            a1.sources.r1.interceptors.id.prefix = n-
            a1.sources.r1.interceptors.rm.type = remove_header
            a1.sources.r1.interceptors.rm.withName = tail
            a1.channels.c1.type = memory
            a1.channels.c1.capacity = 1000
            a1.channels.c2.type = memory
            a1.channels.c2.capacity = 1000
            a1.sinks.k1.type = file_roll
            a1.sinks.k1.channel = c1
            a1.sinks.k1.sink.directory = {textDir}
            a1.sinks.k1.sink.pathManager.extension = txt
            a1.sinks.k1.sink.rollInterval = 0
            a1.sinks.k2.type = org.apache.flume.sink.RollingFileSink
            a1.sinks.k2.channel = c2
            a1.sinks.k2.sink.directory = {avroDir}
            a1.sinks.k2.sink.serializer = AVRO_EVENT
            a1.sinks.k2.sink.serializer.compressionCodec = deflate
            a1.sinks.k2.sink.rollInterval = 0
            """);
        var expected = Enumerable.Range(0, Total).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Where(s => !s.EndsWith('7')).ToList();
        var expectedText = string.Concat(expected.Select(s => s + "\n"));

        using var agent = FlumeProcess.StartAgent(conf);
        agent.WaitForLine("RollingFileSink k2 started.", Collector.StartTimeout);
        Retry.Until(() => ReadText(textDir) == expectedText, TimeSpan.FromSeconds(30), () => $"text files hold {ReadText(textDir).Length} of {expectedText.Length} chars\n{agent.Tail()}");

        // Every transaction is flushed, so the Avro file is complete while the agent runs; stop to close it as well.
        Retry.Until(() => CountAvro(avroDir) == expected.Count, TimeSpan.FromSeconds(30), () => $"avro file holds {CountAvro(avroDir)} events\n{agent.Tail()}");
        agent.Signal(15);
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(10)), agent.Tail());
        Assert.Equal(0, agent.ExitCode);

        var textFile = Assert.Single(Directory.GetFiles(textDir));
        Assert.Matches(@"^\d{13}-1\.txt$", Path.GetFileName(textFile));
        Assert.Equal(Encoding.ASCII.GetBytes(expectedText), File.ReadAllBytes(textFile));

        var events = ReadAvro(avroDir);
        Assert.Equal(expected, events.Select(e => Encoding.ASCII.GetString(e.Body)));
        Assert.All(events, e =>
        {
            Assert.Equal(["id", "lead"], e.Headers.Keys.Order(StringComparer.Ordinal));
            Assert.Matches("^n-[0-9a-f-]{36}$", e.Headers["id"]);
            Assert.Equal(Encoding.ASCII.GetString(e.Body)[..1], e.Headers["lead"]);
        });
        Assert.Equal(expected.Count, events.Select(e => e.Headers["id"]).Distinct().Count());

        var python = PythonBodies(Assert.Single(Directory.GetFiles(avroDir)));
        Assert.Equal(expected, python);
    }

    [Fact]
    public void Removed_directory_is_an_error_and_delivery_resumes_when_it_is_back()
    {
        using var dir = new TempDir();
        var outDir = Directory.CreateDirectory(dir.File("out")).FullName;
        var port = Net.FreePort();
        var conf = dir.Write("nc.properties", $"""
            a1.sources = r1
            a1.channels = c1
            a1.sinks = k1
            a1.sources.r1.type = netcat
            a1.sources.r1.bind = 127.0.0.1
            a1.sources.r1.port = {port}
            a1.sources.r1.channels = c1
            a1.sources.r1.interceptors = up
            a1.sources.r1.interceptors.up.type = search_replace
            a1.sources.r1.interceptors.up.searchPattern = ^line-(\\d+)
            a1.sources.r1.interceptors.up.replaceString = L$1
            a1.channels.c1.type = memory
            a1.sinks.k1.type = file_roll
            a1.sinks.k1.channel = c1
            a1.sinks.k1.sink.directory = {outDir}
            """);
        using var agent = FlumeProcess.StartAgent(conf);
        Retry.Until(() => Net.IsListening("127.0.0.1", port), Collector.StartTimeout, () => agent.Tail());
        using var client = new System.Net.Sockets.TcpClient("127.0.0.1", port);
        var stream = client.GetStream();
        var replies = new StreamReader(stream, Encoding.ASCII);
        void Send(string line)
        {
            stream.Write(Encoding.ASCII.GetBytes(line + "\n"));
            Assert.Equal("OK", replies.ReadLine());
        }

        Send("line-1");
        Retry.Until(() => ReadText(outDir) == "L1\n", TimeSpan.FromSeconds(20), () => agent.Tail());

        Directory.Delete(outDir, recursive: true);
        Send("line-2");
        Send("line-3");
        Retry.Until(() => agent.CountLines("Failed to open file") >= 1, TimeSpan.FromSeconds(20), () => agent.Tail());
        var error = agent.Lines.First(l => l.Contains("Unable to deliver event", StringComparison.Ordinal));
        Assert.Contains("ERROR", error, StringComparison.Ordinal);
        Assert.Contains(outDir, error, StringComparison.Ordinal);

        // L1 is in the file once the test sees it, but its transaction may commit a moment later: a directory removed in
        // between rolls L1 back too, and it is written again (at least once, as Flume).
        Directory.CreateDirectory(outDir);
        Retry.Until(() => ReadText(outDir) is "L2\nL3\n" or "L1\nL2\nL3\n", TimeSpan.FromSeconds(20), () => $"{ReadText(outDir)}\n{agent.Tail()}");
        agent.Signal(15);
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(10)), agent.Tail());
        Assert.Equal(0, agent.ExitCode);
    }

    private static string ReadText(string dir) => Directory.Exists(dir)
        ? string.Concat(Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(f => File.ReadAllText(f)))
        : string.Empty;

    /// <summary>Events readable now; -1 while a block is being written (the reader meets a partial block).</summary>
    private static int CountAvro(string dir)
    {
        try
        {
            return ReadAvro(dir).Count;
        }
        catch (Exception ex) when (ex is global::Avro.AvroException or IOException or InvalidDataException)
        {
            return -1;
        }
    }

    private static List<(Dictionary<string, string> Headers, byte[] Body)> ReadAvro(string dir)
    {
        var file = Directory.GetFiles(dir).SingleOrDefault();
        var result = new List<(Dictionary<string, string>, byte[])>();
        if (file is null || new FileInfo(file).Length == 0)
        {
            return result;
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = DataFileReader<GenericRecord>.OpenReader(stream);
        while (reader.HasNext())
        {
            var r = reader.Next();
            result.Add((((IDictionary<string, object>)r["headers"]).ToDictionary(kv => kv.Key, kv => (string)kv.Value), (byte[])r["body"]));
        }

        return result;
    }

    /// <summary>The bodies as Avro's Python DataFileReader sees them (python3-avro; fails, never skips, without it).</summary>
    private static List<string> PythonBodies(string file)
    {
        const string script = """
            import sys
            from avro.datafile import DataFileReader
            from avro.io import DatumReader
            with open(sys.argv[1], 'rb') as f:
                for rec in DataFileReader(f, DatumReader()):
                    print(rec['body'].decode('ascii'))
            """;
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(file);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), "python3 avro reader did not finish");
        Assert.True(p.ExitCode == 0, $"python3-avro could not read {file} (apt-get install -y python3-avro): {stderr.Result}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
