using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FlumeNet.Sources.Http;

/// <summary>
/// Flume's default <c>JSONHandler</c>: the body is a JSON array <c>[{"headers":{"k":"v"},"body":"text"}, …]</c> in the
/// request's charset (<c>Content-Type: …; charset=</c>, UTF-8 when absent; UTF-16 and UTF-32 allowed), and each
/// event's body is its text encoded in that same charset. Header values may be strings, numbers or booleans (their
/// JSON text); unknown fields are ignored. Parsed with <see cref="Utf8JsonReader"/> (no reflection).
/// </summary>
internal sealed class JsonHandler : IHttpSourceHandler
{
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false, MaxDepth = 16 };

    public async ValueTask<IReadOnlyList<Event>> GetEventsAsync(HttpSourceRequest request, CancellationToken cancellationToken)
    {
        var charset = Charset(request.ContentType);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), charset);
    }

    /// <summary>The events of one request body in <paramref name="charset"/> (one of <see cref="Charset"/>'s results).</summary>
    internal static IReadOnlyList<Event> Parse(ReadOnlySpan<byte> body, Encoding charset)
    {
        ReadOnlySpan<byte> utf8 = body;
        if (charset is not UTF8Encoding)
        {
            string text;
            try
            {
                // A UTF-16 body may say little-endian with its byte order mark.
                var decoder = charset is UnicodeEncoding && body.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) ? Encoding.Unicode : charset;
                text = decoder.GetString(body);
            }
            catch (DecoderFallbackException ex)
            {
                throw new HttpBadRequestException("Request has invalid JSON Syntax. The body is not valid " + charset.WebName + ": " + ex.Message, ex);
            }

            utf8 = Encoding.UTF8.GetBytes(text.TrimStart('\uFEFF'));
        }
        else if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8 = utf8[3..];
        }

        try
        {
            return ReadEvents(utf8, charset);
        }
        catch (JsonException ex)
        {
            throw new HttpBadRequestException("Request has invalid JSON Syntax. " + ex.Message, ex);
        }
    }

    /// <summary>
    /// The charset named in a Content-Type, as Flume accepts it: UTF-8 (default), UTF-16 (big-endian unless a byte
    /// order mark says otherwise; bodies written with a mark, as Java does) and UTF-32 (big-endian).
    /// Anything else throws <see cref="NotSupportedException"/> (answered 500, as Flume does).
    /// </summary>
    internal static Encoding Charset(string? contentType)
    {
        string? name = null;
        if (!string.IsNullOrEmpty(contentType) && MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            name = media.CharSet?.Trim('"');
        }

        return name?.ToLowerInvariant() switch
        {
            null or "" or "utf-8" => new UTF8Encoding(false, false),
            "utf-16" => new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: false),
            "utf-32" => new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: false),
            _ => throw new NotSupportedException($"Unsupported character set in request {name}. JSON handler supports UTF-8, UTF-16 and UTF-32 only."),
        };
    }

    private static List<Event> ReadEvents(ReadOnlySpan<byte> utf8, Encoding charset)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        if (utf8.Trim(" \t\r\n"u8).IsEmpty || !reader.Read())
        {
            throw new JsonException("The request body is empty; expected a JSON array of events.");
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"Expected a JSON array of events but found {Describe(reader.TokenType)}.");
        }

        var events = new List<Event>();
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException($"Event {events.Count} is {Describe(reader.TokenType)}, expected an object with \"headers\" and \"body\".");
            }

            events.Add(ReadEvent(ref reader, events.Count, charset));
        }

        if (reader.Read())
        {
            throw new JsonException($"Unexpected {Describe(reader.TokenType)} after the array of events.");
        }

        return events;
    }

    private static Event ReadEvent(ref Utf8JsonReader reader, int index, Encoding charset)
    {
        Dictionary<string, string>? headers = null;
        byte[] body = [];
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return new Event(headers, body);
            }

            var field = reader.GetString()!;
            Read(ref reader);
            switch (field)
            {
                case "headers":
                    headers = ReadHeaders(ref reader, index);
                    break;
                case "body":
                    body = reader.TokenType switch
                    {
                        JsonTokenType.Null => [],
                        JsonTokenType.String => Encode(charset, reader.GetString()!),
                        JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => Encode(charset, Scalar(ref reader)),
                        _ => throw new JsonException($"The body of event {index} is {Describe(reader.TokenType)}, expected a string."),
                    };
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
    }

    private static Dictionary<string, string>? ReadHeaders(ref Utf8JsonReader reader, int index)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"The headers of event {index} are {Describe(reader.TokenType)}, expected an object of strings.");
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return headers;
            }

            var name = reader.GetString()!;
            Read(ref reader);
            var value = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => Scalar(ref reader),
                _ => throw new JsonException($"Header \"{name}\" of event {index} is {Describe(reader.TokenType)}, expected a string."),
            };
            if (!headers.TryAdd(name, value))
            {
                throw new JsonException($"Header \"{name}\" appears twice in event {index}.");
            }
        }
    }

    /// <summary>Java's <c>String.getBytes</c>: its UTF-16 encoder writes a big-endian byte order mark first.</summary>
    private static byte[] Encode(Encoding charset, string text) =>
        charset is UnicodeEncoding ? [.. charset.GetPreamble(), .. charset.GetBytes(text)] : charset.GetBytes(text);

    private static string Scalar(ref Utf8JsonReader reader) =>
        reader.TokenType switch
        {
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            _ => Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
        };

    private static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The JSON text ends early (unclosed array or object).");
        }
    }

    private static string Describe(JsonTokenType t) => t switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => t.ToString(),
    };
}
