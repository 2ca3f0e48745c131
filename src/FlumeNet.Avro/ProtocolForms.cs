using System.Text;
using System.Text.Json;

namespace FlumeNet.Avro;

/// <summary>
/// Reads an Avro protocol declaration (JSON) and gives the Parsing Canonical Form (Avro specification, "Parsing
/// Canonical Form for Schemas") of a message's request (a record of its parameters) and response. Two protocols
/// whose forms agree for a message put the same bytes on the wire for it. Works on <see cref="JsonDocument"/> only:
/// no reflection, trimming and native AOT safe.
/// </summary>
internal sealed class ProtocolForms
{
    private static readonly HashSet<string> Primitives = new(StringComparer.Ordinal)
    {
        "null", "boolean", "int", "long", "float", "double", "bytes", "string",
    };

    private readonly Dictionary<string, (JsonElement Definition, string? Namespace)> _named = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (JsonElement Request, JsonElement Response)> _messages = new(StringComparer.Ordinal);
    private readonly string? _namespace;

    private ProtocolForms(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("protocol", out var name) || name.ValueKind != JsonValueKind.String)
        {
            throw new FormatException("not a protocol declaration (no \"protocol\" name)");
        }

        Name = name.GetString()!;
        _namespace = root.TryGetProperty("namespace", out var ns) && ns.ValueKind == JsonValueKind.String ? NullIfEmpty(ns.GetString()) : null;
        if (root.TryGetProperty("types", out var types))
        {
            if (types.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("\"types\" is not an array");
            }

            foreach (var t in types.EnumerateArray())
            {
                Register(t, _namespace);
            }
        }

        if (root.TryGetProperty("messages", out var messages))
        {
            if (messages.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("\"messages\" is not an object");
            }

            foreach (var m in messages.EnumerateObject())
            {
                if (m.Value.ValueKind != JsonValueKind.Object || !m.Value.TryGetProperty("request", out var req) || req.ValueKind != JsonValueKind.Array)
                {
                    throw new FormatException($"message {m.Name} has no request parameter list");
                }

                var resp = m.Value.TryGetProperty("response", out var r) ? r : default;
                _messages[m.Name] = (req, resp);
            }
        }

        // Every reference must resolve: a protocol naming an unknown type cannot be parsed.
        foreach (var name2 in _messages.Keys)
        {
            RequestForm(name2);
            ResponseForm(name2);
        }
    }

    /// <summary>The protocol's name.</summary>
    public string Name { get; }

    /// <summary>The protocol's namespace, or null.</summary>
    public string? Namespace => _namespace;

    /// <summary>Parses a protocol text; throws <see cref="FormatException"/> or <see cref="JsonException"/> on bad input.</summary>
    public static ProtocolForms Parse(string text)
    {
        using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
        return new ProtocolForms(doc.RootElement.Clone());
    }

    /// <summary>Canonical form of the message's request record, or null when the protocol has no such message.</summary>
    public string? RequestForm(string message)
    {
        if (!_messages.TryGetValue(message, out var m))
        {
            return null;
        }

        var sb = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        sb.Append("{\"name\":");
        AppendString(sb, message);
        sb.Append(",\"type\":\"record\",\"fields\":[");
        var first = true;
        foreach (var p in m.Request.EnumerateArray())
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            AppendField(sb, p, _namespace, seen);
        }

        sb.Append("]}");
        return sb.ToString();
    }

    /// <summary>Canonical form of the message's response schema, or null when the protocol has no such message.</summary>
    public string? ResponseForm(string message)
    {
        if (!_messages.TryGetValue(message, out var m))
        {
            return null;
        }

        if (m.Response.ValueKind == JsonValueKind.Undefined)
        {
            return "\"null\"";
        }

        var sb = new StringBuilder();
        AppendSchema(sb, m.Response, _namespace, new HashSet<string>(StringComparer.Ordinal));
        return sb.ToString();
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string FullName(string name, string? ns) =>
        name.Contains('.', StringComparison.Ordinal) || ns is null ? name : ns + "." + name;

    private static string? NamespaceOf(string fullName)
    {
        var dot = fullName.LastIndexOf('.');
        return dot < 0 ? null : fullName[..dot];
    }

    private static string RequiredString(JsonElement o, string key, string what)
    {
        if (!o.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(v.GetString()))
        {
            throw new FormatException($"{what} without \"{key}\"");
        }

        return v.GetString()!;
    }

    private static string TypeOf(JsonElement o)
    {
        if (!o.TryGetProperty("type", out var t))
        {
            throw new FormatException("schema object without \"type\"");
        }

        return t.ValueKind == JsonValueKind.String ? t.GetString()! : throw new FormatException("\"type\" is not a string");
    }

    /// <summary>Remembers every named type defined in <paramref name="schema"/> (recursively).</summary>
    private void Register(JsonElement schema, string? ns)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var branch in schema.EnumerateArray())
                {
                    Register(branch, ns);
                }

                return;
            case JsonValueKind.Object:
                break;
            default:
                return;
        }

        var type = TypeOf(schema);
        switch (type)
        {
            case "record" or "error" or "enum" or "fixed":
                var full = DefinedName(schema, ns);
                _named[full] = (schema, NamespaceOf(full));
                if (type is "record" or "error" && schema.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Array)
                {
                    foreach (var f in fields.EnumerateArray())
                    {
                        if (f.ValueKind == JsonValueKind.Object && f.TryGetProperty("type", out var ft))
                        {
                            Register(ft, NamespaceOf(full));
                        }
                    }
                }

                return;
            case "array" when schema.TryGetProperty("items", out var items):
                Register(items, ns);
                return;
            case "map" when schema.TryGetProperty("values", out var values):
                Register(values, ns);
                return;
        }
    }

    private static string DefinedName(JsonElement schema, string? ns)
    {
        var name = RequiredString(schema, "name", "named type");
        var own = schema.TryGetProperty("namespace", out var n) && n.ValueKind == JsonValueKind.String ? NullIfEmpty(n.GetString()) : ns;
        return FullName(name, own);
    }

    private void AppendField(StringBuilder sb, JsonElement field, string? ns, HashSet<string> seen)
    {
        if (field.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a field is not an object");
        }

        sb.Append("{\"name\":");
        AppendString(sb, RequiredString(field, "name", "field"));
        sb.Append(",\"type\":");
        if (!field.TryGetProperty("type", out var t))
        {
            throw new FormatException("field without \"type\"");
        }

        AppendSchema(sb, t, ns, seen);
        sb.Append('}');
    }

    private void AppendSchema(StringBuilder sb, JsonElement schema, string? ns, HashSet<string> seen)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.String:
                AppendReference(sb, schema.GetString()!, ns, seen);
                return;
            case JsonValueKind.Array:
                sb.Append('[');
                var first = true;
                foreach (var branch in schema.EnumerateArray())
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }

                    first = false;
                    AppendSchema(sb, branch, ns, seen);
                }

                sb.Append(']');
                return;
            case JsonValueKind.Object:
                break;
            default:
                throw new FormatException($"a schema cannot be a JSON {schema.ValueKind}");
        }

        var type = TypeOf(schema);
        switch (type)
        {
            case "array":
                sb.Append("{\"type\":\"array\",\"items\":");
                AppendSchema(sb, schema.TryGetProperty("items", out var items) ? items : throw new FormatException("array without \"items\""), ns, seen);
                sb.Append('}');
                return;
            case "map":
                sb.Append("{\"type\":\"map\",\"values\":");
                AppendSchema(sb, schema.TryGetProperty("values", out var values) ? values : throw new FormatException("map without \"values\""), ns, seen);
                sb.Append('}');
                return;
            case "record" or "error" or "enum" or "fixed":
                AppendNamed(sb, DefinedName(schema, ns), schema, seen);
                return;
            default:
                // {"type":"int"} is the primitive; {"type":"SomeName"} refers to a named type.
                AppendReference(sb, type, ns, seen);
                return;
        }
    }

    private void AppendReference(StringBuilder sb, string name, string? ns, HashSet<string> seen)
    {
        if (Primitives.Contains(name))
        {
            AppendString(sb, name);
            return;
        }

        var full = FullName(name, ns);
        if (!_named.TryGetValue(full, out var def) && !_named.TryGetValue(name, out def))
        {
            throw new FormatException($"undefined name: {name}");
        }

        AppendNamed(sb, DefinedName(def.Definition, def.Namespace), def.Definition, seen);
    }

    private void AppendNamed(StringBuilder sb, string full, JsonElement def, HashSet<string> seen)
    {
        if (!seen.Add(full))
        {
            AppendString(sb, full);
            return;
        }

        var type = TypeOf(def);
        sb.Append("{\"name\":");
        AppendString(sb, full);
        sb.Append(",\"type\":");
        AppendString(sb, type);
        switch (type)
        {
            case "record" or "error":
                sb.Append(",\"fields\":[");
                var first = true;
                if (def.TryGetProperty("fields", out var fields))
                {
                    if (fields.ValueKind != JsonValueKind.Array)
                    {
                        throw new FormatException($"record {full}: \"fields\" is not an array");
                    }

                    foreach (var f in fields.EnumerateArray())
                    {
                        if (!first)
                        {
                            sb.Append(',');
                        }

                        first = false;
                        AppendField(sb, f, NamespaceOf(full), seen);
                    }
                }

                sb.Append(']');
                break;
            case "enum":
                sb.Append(",\"symbols\":[");
                if (!def.TryGetProperty("symbols", out var symbols) || symbols.ValueKind != JsonValueKind.Array)
                {
                    throw new FormatException($"enum {full} without \"symbols\"");
                }

                var firstSymbol = true;
                foreach (var s in symbols.EnumerateArray())
                {
                    if (!firstSymbol)
                    {
                        sb.Append(',');
                    }

                    firstSymbol = false;
                    AppendString(sb, s.ValueKind == JsonValueKind.String ? s.GetString()! : throw new FormatException($"enum {full}: a symbol is not a string"));
                }

                sb.Append(']');
                break;
            case "fixed":
                if (!def.TryGetProperty("size", out var size) || !size.TryGetInt32(out var n) || n < 0)
                {
                    throw new FormatException($"fixed {full} without a valid \"size\"");
                }

                sb.Append(",\"size\":").Append(n);
                break;
        }

        sb.Append('}');
    }

    private static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case < ' ':
                    sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        sb.Append('"');
    }
}
