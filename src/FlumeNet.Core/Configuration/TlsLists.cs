using System.Net.Security;
using System.Security.Authentication;

namespace FlumeNet.Configuration;

/// <summary>
/// Flume's TLS list keys, shared by the components that speak TLS: <c>include-protocols</c> / <c>exclude-protocols</c>
/// (default exclude <c>SSLv3</c>) and <c>include-cipher-suites</c> / <c>exclude-cipher-suites</c>, space- or
/// comma-separated, with Java's names (<c>TLSv1.2</c>; IANA cipher suite names such as
/// <c>TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256</c>). .NET offers TLS 1.2 and 1.3 only; the lists narrow that.
/// </summary>
internal static class TlsLists
{
    private static readonly (string Name, SslProtocols Value)[] Offered = [("TLSv1.2", SslProtocols.Tls12), ("TLSv1.3", SslProtocols.Tls13)];

    /// <summary>
    /// The TLS versions left after the lists; a list that leaves none is an error naming its key.
    /// <paramref name="legacyExcludeKey"/> is an older spelling of <c>exclude-protocols</c> a component still accepts.
    /// </summary>
    public static SslProtocols Protocols(ComponentContext ctx, string? legacyExcludeKey = null)
    {
        var include = Names(ctx.GetString("include-protocols"));
        var legacy = legacyExcludeKey is null ? null : ctx.GetString(legacyExcludeKey);
        var exclude = Names(ctx.GetString("exclude-protocols") ?? legacy ?? "SSLv3");
        var result = SslProtocols.None;
        foreach (var (name, value) in Offered)
        {
            if ((include.Count == 0 || include.Contains(name)) && !exclude.Contains(name))
            {
                result |= value;
            }
        }

        if (result == SslProtocols.None)
        {
            ctx.Error(include.Count > 0 ? "include-protocols" : "exclude-protocols", "leaves no TLS version to use (FlumeNet speaks TLSv1.2 and TLSv1.3)");
        }

        return result;
    }

    /// <summary>
    /// The cipher suites left after the lists, or null when neither list is set (the system's defaults). An unknown
    /// name, or lists that leave nothing, are errors naming the key. Applied on Linux and macOS (where .NET supports a
    /// suite policy); elsewhere a warning says the lists are ignored.
    /// </summary>
    public static IReadOnlyList<TlsCipherSuite>? CipherSuites(ComponentContext ctx)
    {
        var include = Names(ctx.GetString("include-cipher-suites"));
        var exclude = Names(ctx.GetString("exclude-cipher-suites"));
        if (include.Count == 0 && exclude.Count == 0)
        {
            return null;
        }

        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            ctx.Warn(include.Count > 0 ? "include-cipher-suites" : "exclude-cipher-suites", "cipher suite lists are applied on Linux and macOS only; ignored here");
            return null;
        }

        var known = Enum.GetValues<TlsCipherSuite>().Where(s => s.ToString().StartsWith("TLS_", StringComparison.Ordinal)).ToDictionary(s => s.ToString(), StringComparer.Ordinal);
        foreach (var (key, names) in new[] { ("include-cipher-suites", include), ("exclude-cipher-suites", exclude) })
        {
            foreach (var unknown in names.Where(n => !known.ContainsKey(n)))
            {
                ctx.Error(key, $"unknown cipher suite '{unknown}'");
            }
        }

        var result = (include.Count > 0 ? include.Where(known.ContainsKey).Select(n => known[n]) : known.Values)
            .Where(s => !exclude.Contains(s.ToString()))
            .Distinct()
            .ToList();
        if (result.Count == 0)
        {
            ctx.Error(include.Count > 0 ? "include-cipher-suites" : "exclude-cipher-suites", "leaves no cipher suite to use");
        }

        return result;
    }

    /// <summary>
    /// The server certificate of a component with <c>ssl = true</c>: <c>keystore</c>, <c>keystore-password</c>,
    /// <c>keystore-type</c> (PKCS12 or PEM) and <c>keystore-key</c>, falling back to <c>-Djavax.net.ssl.keyStore*</c> and the
    /// <c>FLUME_SSL_KEYSTORE_*</c> environment variables as Flume does. A missing or unloadable keystore is an error naming
    /// the key; null then. <paramref name="legacyPasswordKey"/> is an older spelling of <c>keystore-password</c>.
    /// </summary>
    public static System.Security.Cryptography.X509Certificates.X509Certificate2? ServerCertificate(ComponentContext ctx, Runtime.BuildServices services, string? legacyPasswordKey = null)
    {
        var keystore = ctx.GetString("keystore") ?? Sys(services, "javax.net.ssl.keyStore", "FLUME_SSL_KEYSTORE_PATH");
        var password = ctx.GetString("keystore-password") ?? (legacyPasswordKey is null ? null : ctx.GetString(legacyPasswordKey))
            ?? Sys(services, "javax.net.ssl.keyStorePassword", "FLUME_SSL_KEYSTORE_PASSWORD");
        var type = ctx.GetString("keystore-type") ?? Sys(services, "javax.net.ssl.keyStoreType", "FLUME_SSL_KEYSTORE_TYPE");
        var keyFile = ctx.GetString("keystore-key");
        if (string.IsNullOrWhiteSpace(keystore))
        {
            ctx.Error("keystore", "ssl = true needs a keystore (PKCS12 or PEM)");
            return null;
        }

        try
        {
            return FlumeNet.Avro.AvroTls.LoadServerCertificate(keystore, password, type, keyFile);
        }
        catch (Exception ex)
        {
            ctx.Error(ctx.Contains("keystore-type") ? "keystore-type" : "keystore", $"cannot load {keystore}: {ex.Message}");
            return null;
        }
    }

    /// <summary>A JVM system property given with <c>-D</c>, else the environment variable Flume's scripts map it from.</summary>
    public static string? Sys(Runtime.BuildServices services, string property, string env) =>
        services.SystemProperties.TryGetValue(property, out var v) ? v : Environment.GetEnvironmentVariable(env);

    private static HashSet<string> Names(string? value) =>
        (value ?? string.Empty).Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
}
