using FlumeNet.Configuration;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Sources.Http;

/// <summary>
/// Flume's <c>BlobHandler</c>: the whole request body is one event (at most <c>handler.maxBlobLength</c> bytes,
/// default 100,000,000; a longer body is cut with a WARN). Headers: the query parameters (first value of each) and
/// <c>_attachment_mimetype</c> = the request's Content-Type when it has one.
/// </summary>
internal sealed class BlobHandler : IHttpSourceHandler
{
    public const string MimeTypeHeader = "_attachment_mimetype";
    public const int DefaultMaxBlobLength = 100 * 1000 * 1000;

    private readonly ILogger _logger;

    public BlobHandler(ComponentContext ctx, ILoggerFactory loggers)
    {
        _logger = loggers.CreateLogger("org.apache.flume.sink.solr.morphline.BlobHandler");
        MaxBlobLength = ctx.GetInt("maxBlobLength", DefaultMaxBlobLength);
        if (MaxBlobLength <= 0)
        {
            ctx.Error("maxBlobLength", $"Configuration parameter maxBlobLength must be greater than zero: {MaxBlobLength}");
            MaxBlobLength = DefaultMaxBlobLength;
        }
    }

    public int MaxBlobLength { get; }

    public async ValueTask<IReadOnlyList<Event>> GetEventsAsync(HttpSourceRequest request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.ContentType is not null)
        {
            headers[MimeTypeHeader] = request.ContentType;
        }

        foreach (var (name, value) in request.Query)
        {
            headers.TryAdd(name, value);
        }

        using var blob = new MemoryStream();
        var buffer = new byte[Math.Min(MaxBlobLength, 8192)];
        while (blob.Length < MaxBlobLength)
        {
            int n = await request.Body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, MaxBlobLength - blob.Length)), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            blob.Write(buffer, 0, n);
            if (blob.Length >= MaxBlobLength)
            {
                _logger.LogWarning("Request length exceeds maxBlobLength ({Max}), truncating BLOB event!", MaxBlobLength);
            }
        }

        return [new Event(headers, blob.ToArray())];
    }
}
