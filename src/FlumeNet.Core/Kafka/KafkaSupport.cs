using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using FlumeNet.Avro;
using FlumeNet.Configuration;
using FlumeNet.Metrics;
using Microsoft.Extensions.Logging;

namespace FlumeNet.Kafka;

/// <summary>
/// Turns a Kafka component's <c>kafka.producer.*</c> / <c>kafka.consumer.*</c> keys (Java client names) into
/// librdkafka properties. Precedence as Flume: component defaults &lt; pass-through &lt; forced values. Java names that
/// librdkafka spells differently are renamed; Java-only properties are dropped with one configuration warning each.
/// </summary>
internal static class KafkaClientProperties
{
    public const string BootstrapKey = "kafka.bootstrap.servers";

    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["delivery.timeout.ms"] = "message.timeout.ms",
        ["fetch.max.wait.ms"] = "fetch.wait.max.ms",
        ["max.request.size"] = "message.max.bytes",
        ["receive.buffer.bytes"] = "socket.receive.buffer.bytes",
        ["send.buffer.bytes"] = "socket.send.buffer.bytes",
    };

    // Flume sets these itself; a user value equal to Flume's is harmless, any other cannot be honoured.
    private static readonly Dictionary<string, string> Serializers = new(StringComparer.Ordinal)
    {
        ["key.serializer"] = "org.apache.kafka.common.serialization.StringSerializer",
        ["value.serializer"] = "org.apache.kafka.common.serialization.ByteArraySerializer",
        ["key.deserializer"] = "org.apache.kafka.common.serialization.StringDeserializer",
        ["value.deserializer"] = "org.apache.kafka.common.serialization.ByteArrayDeserializer",
    };

    private static readonly HashSet<string> NoEquivalent = new(StringComparer.Ordinal)
    {
        "max.block.ms", "max.poll.records", "interceptor.classes", "default.api.timeout.ms", "ssl.protocol",
        "ssl.enabled.protocols", "ssl.keymanager.algorithm", "ssl.trustmanager.algorithm", "ssl.secure.random.implementation",
        "ssl.provider", "security.providers", "sasl.login.callback.handler.class", "sasl.client.callback.handler.class",
        "exclude.internal.topics", "metric.reporters", "metrics.num.samples", "metrics.sample.window.ms",
        "metrics.recording.level", "auto.include.jmx.reporter", "ssl.engine.factory.class", "sasl.login.class",
    };

    /// <summary>
    /// The librdkafka properties for one client. <paramref name="prefix"/> is <c>kafka.producer.</c> or
    /// <c>kafka.consumer.</c>; problems (a Java-only property, a JKS store) are reported on <paramref name="ctx"/>.
    /// </summary>
    public static Dictionary<string, string> Build(ComponentContext ctx, string prefix, string bootstrap, IReadOnlyDictionary<string, string> defaults, IReadOnlyDictionary<string, string> forced)
    {
        var result = new Dictionary<string, string>(defaults, StringComparer.Ordinal);
        var pass = ctx.GetSubProperties(prefix);
        var protocol = pass.GetValueOrDefault("security.protocol", "PLAINTEXT").Trim().ToUpperInvariant();
        var tls = protocol is "SSL" or "SASL_SSL";
        foreach (var (name, raw) in pass.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var key = prefix + name;
            var value = raw.Trim();
            if (Renamed.TryGetValue(name, out var renamed))
            {
                result[renamed] = value;
            }
            else if (Serializers.TryGetValue(name, out var flumeValue))
            {
                if (value != flumeValue)
                {
                    ctx.Warn(key, $"is not supported: FlumeNet always reads and writes keys as UTF-8 strings and values as bytes; '{value}' ignored");
                }
            }
            else if (NoEquivalent.Contains(name))
            {
                ctx.Warn(key, $"has no librdkafka equivalent and is ignored");
            }
            else if (name == "buffer.memory")
            {
                if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes))
                {
                    result["queue.buffering.max.kbytes"] = Math.Max(1, bytes / 1024).ToString(CultureInfo.InvariantCulture);
                }
                else
                {
                    ctx.Warn(key, $"'{value}' is not a number of bytes; ignored");
                }
            }
            else if (name == "partitioner.class")
            {
                if (!value.EndsWith("DefaultPartitioner", StringComparison.Ordinal))
                {
                    ctx.Warn(key, "custom Java partitioners cannot run here; the default (murmur2 of the key, as Java's DefaultPartitioner) is used; librdkafka's own choices are set with kafka.producer.partitioner");
                }
            }
            else if (name == "ssl.endpoint.identification.algorithm")
            {
                result[name] = value.Length == 0 ? "none" : value;
            }
            else if (name == "ssl.disableTLSHostnameVerification")
            {
                if (tls && value.Equals("true", StringComparison.OrdinalIgnoreCase))
                {
                    result["ssl.endpoint.identification.algorithm"] = "none";
                }
            }
            else if (name is "ssl.truststore.password" or "ssl.truststore.type" or "ssl.keystore.password" or "ssl.keystore.type")
            {
                // read with their store below
            }
            else if (name == "ssl.truststore.location")
            {
                var type = pass.GetValueOrDefault("ssl.truststore.type", string.Empty).Trim();
                if (type.Equals("PEM", StringComparison.OrdinalIgnoreCase) || LooksPem(value))
                {
                    result["ssl.ca.location"] = value;
                }
                else
                {
                    ctx.Warn(key, $"{(type.Length == 0 ? "JKS" : type)} trust stores cannot be read by librdkafka; convert it to PEM (keytool -exportcert -rfc) and set {prefix}ssl.ca.location");
                }
            }
            else if (name == "ssl.keystore.location")
            {
                var type = pass.GetValueOrDefault("ssl.keystore.type", string.Empty).Trim();
                if (type.Equals("PKCS12", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".p12", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase))
                {
                    result["ssl.keystore.location"] = value;
                    if (pass.TryGetValue("ssl.keystore.password", out var pw))
                    {
                        result["ssl.keystore.password"] = pw;
                    }
                }
                else if (type.Equals("PEM", StringComparison.OrdinalIgnoreCase) || LooksPem(value))
                {
                    result["ssl.certificate.location"] = value;
                    result["ssl.key.location"] = value;
                }
                else
                {
                    ctx.Warn(key, $"{(type.Length == 0 ? "JKS" : type)} key stores cannot be read by librdkafka; use PEM files ({prefix}ssl.certificate.location and {prefix}ssl.key.location) or a PKCS#12 store");
                }
            }
            else if (name == "sasl.jaas.config")
            {
                MapJaas(ctx, key, value, result);
            }
            else
            {
                result[name] = value;
            }
        }

        result["bootstrap.servers"] = bootstrap;
        foreach (var (k, v) in forced)
        {
            result[k] = v;
        }

        return result;
    }

    /// <summary>
    /// Lets librdkafka check every property name and value now, at configuration time, with a client that has no
    /// servers (so it connects nowhere): a property it rejects is one configuration error naming the key, instead of
    /// a start that fails again and again.
    /// </summary>
    public static void Validate(ComponentContext ctx, string prefix, Dictionary<string, string> config, bool producer, string? topicPattern = null)
    {
        var offline = new Dictionary<string, string>(config, StringComparer.Ordinal);
        offline.Remove("bootstrap.servers");
        offline.Remove("test.mock.num.brokers");
        try
        {
            if (producer)
            {
                using var p = new ProducerBuilder<Null, Null>(offline).SetLogHandler((_, _) => { }).Build();
            }
            else
            {
                using var c = new ConsumerBuilder<Null, Null>(offline).SetLogHandler((_, _) => { }).Build();
                if (topicPattern is not null)
                {
                    try
                    {
                        c.Subscribe(topicPattern);
                    }
                    catch (KafkaException ex)
                    {
                        ctx.Error("kafka.topics.regex", $"librdkafka cannot use the pattern {topicPattern} ({ex.Error.Reason}); it understands POSIX extended regular expressions, not every Java regex construct");
                    }
                }
            }
        }
        catch (Exception ex) when (ex is ArgumentException or KafkaException or InvalidOperationException)
        {
            var quoted = Regex.Matches(ex.Message, "\"([^\"]+)\"");
            var name = quoted.Count > 0 ? quoted[^1].Groups[1].Value : null;
            ctx.Error(name is not null && ctx.Properties.ContainsKey(prefix + name) ? prefix + name : prefix.TrimEnd('.'), $"rejected by the Kafka client (librdkafka): {ex.Message}");
        }
    }

    /// <summary><c>kafka.bootstrap.servers</c>, required: a configuration error names the key when it is missing.</summary>
    public static string Bootstrap(ComponentContext ctx)
    {
        var servers = ctx.GetString(BootstrapKey) ?? ctx.GetString("brokerList");
        if (string.IsNullOrWhiteSpace(servers))
        {
            ctx.Error(BootstrapKey, "Bootstrap Servers must be specified");
            return string.Empty;
        }

        if (!ctx.Contains(BootstrapKey))
        {
            ctx.Warn("brokerList", $"brokerList is deprecated. Please use the parameter {BootstrapKey}");
        }

        return servers.Trim();
    }

    /// <summary>A key that Flume still reads when its replacement is absent, with Flume's deprecation warning.</summary>
    public static string? Deprecated(ComponentContext ctx, string oldKey, string newKey)
    {
        var current = ctx.GetString(newKey);
        var old = ctx.GetString(oldKey);
        if (current is null && old is not null)
        {
            ctx.Warn(oldKey, $"{oldKey} is deprecated. Please use the parameter {newKey}");
            return old;
        }

        return current;
    }

    /// <summary>An optional integer key (partition ids); a non-integer drops the component.</summary>
    public static int? OptionalInt(ComponentContext ctx, string key)
    {
        var s = ctx.GetString(key);
        if (s is null)
        {
            return null;
        }

        if (int.TryParse(ComponentContext.JavaTrim(s), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            return v;
        }

        ctx.Error(key, $"'{s}' is not an integer");
        return null;
    }

    private static bool LooksPem(string path) =>
        path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".cer", StringComparison.OrdinalIgnoreCase);

    private static void MapJaas(ComponentContext ctx, string key, string value, Dictionary<string, string> result)
    {
        static string? Option(string text, string name)
        {
            var m = Regex.Match(text, name + "\\s*=\\s*(?:\"([^\"]*)\"|([^\\s;]+))");
            return m.Success ? (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) : null;
        }

        var user = Option(value, "username");
        var password = Option(value, "password");
        var keyTab = Option(value, "keyTab");
        var principal = Option(value, "principal");
        if (user is not null || password is not null)
        {
            if (user is not null)
            {
                result["sasl.username"] = user;
            }

            if (password is not null)
            {
                result["sasl.password"] = password;
            }
        }
        else if (keyTab is not null || principal is not null)
        {
            if (keyTab is not null)
            {
                result["sasl.kerberos.keytab"] = keyTab;
            }

            if (principal is not null)
            {
                result["sasl.kerberos.principal"] = principal;
            }
        }
        else
        {
            ctx.Warn(key, "has neither username/password nor keyTab/principal options; set sasl.username and sasl.password (or the sasl.kerberos.* properties) instead");
        }
    }
}

/// <summary>
/// Reports client errors (broker down, unreachable, authentication) as at most one WARN line per interval per
/// component, naming the servers, instead of a line (or stack trace) per record or reconnect attempt; routes
/// librdkafka's own log to DEBUG.
/// </summary>
internal sealed class KafkaFaultLog
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger;
    private readonly string _who;
    private readonly string _servers;
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private long _lastWarn = long.MinValue;
    private int _suppressed;
    private volatile bool _faulty;

    public KafkaFaultLog(ILogger logger, string who, string servers, TimeProvider time)
    {
        _logger = logger;
        _who = who;
        _servers = servers;
        _time = time;
    }
    public void OnError(Error e)
    {
        if (e.IsFatal)
        {
            _logger.LogError("{Who}: fatal Kafka client error from {Servers}: {Reason}", _who, _servers, e.Reason);
            _faulty = true;
            return;
        }

        Warn(e.Reason);
    }

    /// <summary>A fault that is not the brokers' absence (a subscribed topic missing, …), throttled the same way.</summary>
    public void Problem(string reason) => Warn(reason, brokersDown: false);

    public void Warn(string reason, bool brokersDown = true)
    {
        _faulty = true;
        int suppressed;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (_lastWarn != long.MinValue && _time.GetElapsedTime(_lastWarn, now) < Interval)
            {
                _suppressed++;
                return;
            }

            _lastWarn = now;
            suppressed = _suppressed;
            _suppressed = 0;
        }

        var more = suppressed > 0 ? $" ({suppressed} more in the last {Interval.TotalSeconds:0} s)" : string.Empty;
        if (brokersDown)
        {
            _logger.LogWarning("{Who}: Kafka brokers {Servers} not available: {Reason}{More}; retrying", _who, _servers, reason, more);
        }
        else
        {
            _logger.LogWarning("{Who}: {Reason} (brokers {Servers}){More}; retrying", _who, reason, _servers, more);
        }
    }

    /// <summary>Called after a successful exchange; logs once that the brokers answer again.</summary>
    public void Recovered()
    {
        if (!_faulty)
        {
            return;
        }

        _faulty = false;
        lock (_lock)
        {
            _lastWarn = long.MinValue;
            _suppressed = 0;
        }

        _logger.LogInformation("{Who}: Kafka brokers {Servers} reachable again", _who, _servers);
    }

    public void OnLog(LogMessage m) => _logger.LogDebug("librdkafka {Facility} [{Name}]: {Message}", m.Facility, m.Name, m.Message);
}

/// <summary>The bare Avro <c>AvroFlumeEvent</c> of a Kafka record value (Flume's useFlumeEventFormat / parseAsFlumeEvent).</summary>
internal static class KafkaEventFormat
{
    public static byte[] Encode(Event e)
    {
        var w = new System.Buffers.ArrayBufferWriter<byte>(e.BodyArray.Length + 64);
        FlumeEventCodec.WriteEvent(w, e);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Encodes through a writer the caller reuses (one copy per event, no growing).</summary>
    public static byte[] Encode(Event e, PooledBufferWriter buffer)
    {
        buffer.Clear();
        FlumeEventCodec.WriteEvent(buffer, e);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a record value; throws <see cref="FormatException"/> when it is not an Avro Flume event.</summary>
    public static Event Decode(byte[] value)
    {
        try
        {
            var reader = new AvroReader(value);
            return (Event)FlumeEventCodec.ReadEvent(ref reader, Event.FromWire);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new FormatException($"not an Avro Flume event ({value.Length} bytes): {ex.Message}", ex);
        }
    }
}

/// <summary><c>%{header}</c> escapes in a topic name (Flume's BucketPath header escapes; a missing header gives "").</summary>
internal static class HeaderEscapes
{
    public static string Replace(string text, IDictionary<string, string> headers)
    {
        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var start = text.IndexOf("%{", i, StringComparison.Ordinal);
            var end = start < 0 ? -1 : text.IndexOf('}', start + 2);
            if (end < 0)
            {
                sb.Append(text, i, text.Length - i);
                break;
            }

            sb.Append(text, i, start - i);
            sb.Append(headers.TryGetValue(text[(start + 2)..end], out var v) ? v : string.Empty);
            i = end + 1;
        }

        return sb.ToString();
    }
}
