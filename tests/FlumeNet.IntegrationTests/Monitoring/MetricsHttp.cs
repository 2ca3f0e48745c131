using System.Text.Json;
using FlumeNet.IntegrationTests.Harness;

namespace FlumeNet.IntegrationTests.Monitoring;

/// <summary>Requests to an agent's monitoring endpoint on 127.0.0.1, and the flags that turn it on there.</summary>
internal static class MetricsHttp
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The monitoring flags for <paramref name="port"/>, bound to loopback only.</summary>
    public static string[] Flags(int port) =>
        ["-Dflume.monitoring.type=http", $"-Dflume.monitoring.port={port}", "-Dflume.monitoring.bind=127.0.0.1"];

    public static (int Status, string ContentType, string Body) Send(int port, string path, string method = "GET")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"http://127.0.0.1:{port}{path}");
        using var response = Client.Send(request);
        var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString() ?? string.Empty, body);
    }

    /// <summary>The <c>/metrics</c> document as member → attribute → value, or null while the endpoint is not up.</summary>
    public static Dictionary<string, Dictionary<string, string>>? TryMetrics(int port)
    {
        try
        {
            var (status, _, body) = Send(port, "/metrics");
            return status == 200 ? Parse(body) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public static Dictionary<string, Dictionary<string, string>> WaitForMetrics(FlumeProcess agent, int port, Func<Dictionary<string, Dictionary<string, string>>, bool> condition, string what)
    {
        Dictionary<string, Dictionary<string, string>>? last = null;
        Retry.Until(() => (last = TryMetrics(port)) is not null && condition(last), TimeSpan.FromSeconds(45), () => $"{what}; last /metrics: {(last is null ? "none" : Describe(last))}\n{agent.Tail(30)}");
        return last!;
    }

    public static string Describe(Dictionary<string, Dictionary<string, string>> metrics) =>
        string.Join("; ", metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Key + "{" + string.Join(",", m.Value.Select(a => a.Key + "=" + a.Value)) + "}"));

    public static Dictionary<string, Dictionary<string, string>> Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().ToDictionary(
            m => m.Name,
            m => m.Value.EnumerateObject().ToDictionary(a => a.Name, a => a.Value.GetString()!, StringComparer.Ordinal),
            StringComparer.Ordinal);
    }
}

/// <summary>A one-flow agent <c>a1</c>: a seq source of <c>events</c> events → memory channel → a sink.</summary>
internal static class SeqConf
{
    public static string Of(string source, string channel, string sink, int events, string sinkType) => $"""
        a1.sources = {source}
        a1.channels = {channel}
        a1.sinks = {sink}
        a1.sources.{source}.type = seq
        a1.sources.{source}.totalEvents = {events}
        a1.sources.{source}.channels = {channel}
        a1.channels.{channel}.type = memory
        a1.sinks.{sink}.type = {sinkType}
        a1.sinks.{sink}.channel = {channel}

        """;
}
