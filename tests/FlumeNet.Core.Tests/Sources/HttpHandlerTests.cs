using System.Text;
using FlumeNet.Core.Tests.Support;
using FlumeNet.Sources.Http;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Core.Tests.Sources;

/// <summary>The http source's JSONHandler and BlobHandler (Flume's request → events rules).</summary>
public sealed class HttpHandlerTests
{
    private readonly LogCapture _log = new();

    private static Task<IReadOnlyList<Event>> Json(string body, string? contentType = "application/json") =>
        new JsonHandler().GetEventsAsync(new HttpSourceRequest(contentType, [], new MemoryStream(Encoding.UTF8.GetBytes(body))), CancellationToken.None).AsTask();

    [Fact]
    public async Task Json_array_gives_events_with_headers_and_bodies_in_order()
    {
        var events = await Json("""[{"headers":{"a":"b","n":5,"t":true},"body":"first"},{"body":"sécond"},{"headers":{}},{"extra":[1,2],"body":null}]""");
        Assert.Equal(4, events.Count);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "b", ["n"] = "5", ["t"] = "true" }, events[0].Headers);
        Assert.Equal("first", Encoding.UTF8.GetString(events[0].BodyArray));
        Assert.Empty(events[1].Headers);
        Assert.Equal("sécond", Encoding.UTF8.GetString(events[1].BodyArray));
        Assert.Empty(events[2].BodyArray);
        Assert.Empty(events[3].BodyArray);
    }

    [Fact]
    public async Task Empty_array_is_no_events()
    {
        Assert.Empty(await Json("[]"));
    }

    [Theory]
    [InlineData("", "The request body is empty")]
    [InlineData("{\"body\":\"x\"}", "Expected a JSON array of events but found an object")]
    [InlineData("[{\"body\":\"x\"}", "Expected depth to be zero at the end of the JSON payload")]
    [InlineData("[\"x\"]", "Event 0 is a string")]
    [InlineData("[{\"headers\":{\"a\":{\"b\":1}}}]", "Header \"a\" of event 0 is an object")]
    [InlineData("[{\"headers\":{\"a\":\"1\",\"a\":\"2\"}}]", "Header \"a\" appears twice in event 0")]
    [InlineData("[{\"body\":[1]}]", "The body of event 0 is an array")]
    [InlineData("[{\"body\":\"x\"}] trailing", "is invalid after a single JSON value")]
    [InlineData("[{body:\"x\"}]", "invalid")]
    public async Task Malformed_json_is_a_bad_request_naming_the_problem(string body, string expected)
    {
        var ex = await Assert.ThrowsAsync<HttpBadRequestException>(() => Json(body));
        Assert.StartsWith("Request has invalid JSON Syntax.", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Charset_of_the_content_type_decodes_the_request_and_encodes_the_bodies()
    {
        var json = """[{"headers":{"k":"é"},"body":"é"}]""";
        var utf16 = new MemoryStream([.. Encoding.BigEndianUnicode.GetBytes(json)]);
        var events = await new JsonHandler().GetEventsAsync(new HttpSourceRequest("application/json; charset=UTF-16", [], utf16), CancellationToken.None);
        var e = Assert.Single(events);
        Assert.Equal("é", e.Headers["k"]);
        Assert.Equal(new byte[] { 0xFE, 0xFF, 0x00, 0xE9 }, e.BodyArray); // Java's UTF-16 encoder writes a byte order mark

        var utf32 = new MemoryStream(new UTF32Encoding(true, false).GetBytes(json));
        var e32 = Assert.Single(await new JsonHandler().GetEventsAsync(new HttpSourceRequest("application/json;charset=utf-32", [], utf32), CancellationToken.None));
        Assert.Equal(new byte[] { 0, 0, 0, 0xE9 }, e32.BodyArray);
    }

    [Fact]
    public async Task Other_charsets_are_refused()
    {
        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => Json("[]", "application/json; charset=ISO-8859-1"));
        Assert.Contains("JSON handler supports UTF-8, UTF-16 and UTF-32 only", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Blob_is_one_event_with_query_parameters_and_mime_type()
    {
        var ctx = Ctx.Named("handler", "a1.sources.r1.handler.");
        var handler = new BlobHandler(ctx, _log);
        var body = new byte[] { 0, 1, 2, 255 };
        var events = await handler.GetEventsAsync(new HttpSourceRequest("application/octet-stream", [new("resourceName", "x.avro"), new("resourceName", "second")], new MemoryStream(body)), CancellationToken.None);
        var e = Assert.Single(events);
        Assert.Equal(body, e.BodyArray);
        Assert.Equal(new Dictionary<string, string> { ["_attachment_mimetype"] = "application/octet-stream", ["resourceName"] = "x.avro" }, e.Headers);
    }

    [Fact]
    public async Task Blob_longer_than_maxBlobLength_is_cut_with_a_warning()
    {
        var ctx = Ctx.Named("handler", "a1.sources.r1.handler.", ("maxBlobLength", "10"));
        var handler = new BlobHandler(ctx, _log);
        var e = Assert.Single(await handler.GetEventsAsync(new HttpSourceRequest(null, [], new MemoryStream(new byte[100])), CancellationToken.None));
        Assert.Equal(10, e.BodyArray.Length);
        Assert.Empty(e.Headers);
        Assert.Equal(1, _log.Count(LogLevel.Warning, "Request length exceeds maxBlobLength (10), truncating BLOB event!"));
    }

    [Fact]
    public void Blob_maxBlobLength_must_be_positive()
    {
        var ctx = Ctx.Named("handler", "a1.sources.r1.handler.", ("maxBlobLength", "0"));
        _ = new BlobHandler(ctx, _log);
        Assert.Equal("a1.sources.r1.handler.maxBlobLength", Assert.Single(ctx.Problems).Key);
    }
}
