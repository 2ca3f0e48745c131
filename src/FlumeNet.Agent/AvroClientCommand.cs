using System.Text;
using FlumeNet.Avro;
using FlumeNet.Configuration;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Agent;

/// <summary>
/// <c>flume-ng avro-client</c>: sends each line of a file (or of stdin, or of every file in a directory) as one
/// event, in batches of 5, to an avro source. Exits 0 only when every batch was answered OK.
/// </summary>
internal static class AvroClientCommand
{
    private const int BatchSize = 5;

    public static async Task<int> RunAsync(CommandLine cli, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("org.apache.flume.client.avro.AvroCLIClient");
        var o = cli.Options;
        if (o.ContainsKey("filename") && o.ContainsKey("dirname"))
        {
            Console.Error.WriteLine("Error: --filename and --dirname options cannot be used simultaneously");
            return 1;
        }

        if (!o.TryGetValue("host", out var host) || !o.TryGetValue("port", out var portText))
        {
            Console.Error.WriteLine("Error: Either --rpcProps or both --host and --port must be specified.");
            return 1;
        }

        if (!int.TryParse(portText, out var port) || port is < 1 or > 65535)
        {
            Console.Error.WriteLine($"Error: --port: '{portText}' is not a port number");
            return 1;
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (o.TryGetValue("headerFile", out var headerFile))
        {
            try
            {
                foreach (var e in PropertiesParser.ParseFile(headerFile))
                {
                    headers[e.Key] = e.Value;
                }
            }
            catch (Exception ex) when (ex is IOException or PropertiesFormatException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"Error: --headerFile {headerFile}: {ex.Message}");
                return 1;
            }
        }

        IEnumerable<string> inputs = o.TryGetValue("dirname", out var dir)
            ? Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal) : throw new DirectoryNotFoundException(dir)
            : o.TryGetValue("filename", out var file) ? [file] : ["-"];

        AvroRpcClient client;
        try
        {
            client = await AvroRpcClient.ConnectAsync(new AvroRpcClientOptions { Host = host, Port = port }, logger, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogError("Unable to open connection to Flume at {Host}:{Port}: {Message}", host, port, ex.Message);
            return 2;
        }

        await using (client.ConfigureAwait(false))
        {
            long sent = 0;
            var batch = new List<IFlumeEvent>(BatchSize);
            try
            {
                foreach (var input in inputs)
                {
                    using var reader = input == "-" ? new StreamReader(Console.OpenStandardInput(), Encoding.UTF8) : new StreamReader(input, Encoding.UTF8);
                    string? line;
                    while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) is not null)
                    {
                        batch.Add(new Event(new Dictionary<string, string>(headers), Encoding.UTF8.GetBytes(line)));
                        if (batch.Count == BatchSize)
                        {
                            await SendAsync(client, batch).ConfigureAwait(false);
                            sent += batch.Count;
                            batch.Clear();
                        }
                    }
                }

                if (batch.Count > 0)
                {
                    await SendAsync(client, batch).ConfigureAwait(false);
                    sent += batch.Count;
                }
            }
            catch (Exception ex) when (ex is AvroRpcException or IOException or EventDeliveryException or UnauthorizedAccessException)
            {
                logger.LogError("Unable to deliver events to Flume at {Host}:{Port} after {Sent} events: {Message}", host, port, sent, ex.Message);
                return 2;
            }

            logger.LogInformation("Sent {Count} events to {Host}:{Port}", sent, host, port);
            return 0;
        }
    }

    private static async Task SendAsync(AvroRpcClient client, List<IFlumeEvent> batch)
    {
        var status = await client.AppendBatchAsync(batch, CancellationToken.None).ConfigureAwait(false);
        if (status != AvroStatus.Ok)
        {
            throw new EventDeliveryException($"Avro RPC call returned Status: {status.ToString().ToUpperInvariant()}");
        }
    }
}
