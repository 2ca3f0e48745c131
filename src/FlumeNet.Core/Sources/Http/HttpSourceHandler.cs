using FlumeNet.Configuration;

namespace FlumeNet.Sources.Http;

/// <summary>What a handler sees of one HTTP request: content type, query parameters and the body stream.</summary>
internal sealed record HttpSourceRequest(string? ContentType, IReadOnlyList<KeyValuePair<string, string>> Query, Stream Body);

/// <summary>
/// Turns one HTTP request into the events of one transaction (Flume's <c>HTTPSourceHandler</c>).
/// Throws <see cref="HttpBadRequestException"/> for a body it cannot read (answered 400); any other exception is
/// answered 500. Implementations are stateless after construction and called concurrently.
/// </summary>
internal interface IHttpSourceHandler
{
    ValueTask<IReadOnlyList<Event>> GetEventsAsync(HttpSourceRequest request, CancellationToken cancellationToken);
}

/// <summary>The request body is malformed; the message says what was wrong (sent back to the client).</summary>
internal sealed class HttpBadRequestException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The handlers FlumeNet knows, by Flume class name (the <c>handler</c> key); <c>handler.*</c> configures them.</summary>
internal static class HttpSourceHandlers
{
    public const string Json = "org.apache.flume.source.http.JSONHandler";
    public const string Blob = "org.apache.flume.sink.solr.morphline.BlobHandler";

    public static IHttpSourceHandler? Create(string className, ComponentContext handlerCtx, ComponentContext sourceCtx, Microsoft.Extensions.Logging.ILoggerFactory loggers)
    {
        switch (ComponentContext.JavaTrim(className))
        {
            case Json:
                return new JsonHandler();
            case Blob:
                return new BlobHandler(handlerCtx, loggers);
            default:
                sourceCtx.Error("handler", $"unknown handler class '{className}' (FlumeNet has {Json} and {Blob})");
                return null;
        }
    }
}
