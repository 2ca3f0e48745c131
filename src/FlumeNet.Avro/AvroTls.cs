using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FlumeNet.Avro;

/// <summary>Loading of keystores/truststores for TLS (PKCS12 or PEM; JKS is rejected with a clear error).</summary>
public static class AvroTls
{
    /// <summary>
    /// Server certificate with its private key. <paramref name="type"/>: "PKCS12" (.p12/.pfx) or "PEM"
    /// (<paramref name="path"/> = certificate PEM, <paramref name="keyPath"/> = key PEM, or both in one file).
    /// Null type: guessed from the extension.
    /// </summary>
    public static X509Certificate2 LoadServerCertificate(string path, string? password, string? type, string? keyPath = null)
    {
        string kind = ResolveType(path, type, "keystore");
        try
        {
            if (kind == "PKCS12")
            {
                return X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
            }

            return string.IsNullOrEmpty(password)
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
        }
        catch (CryptographicException ex)
        {
            throw new AvroRpcException($"cannot load keystore {path} as {kind}: {ex.Message}", ex);
        }
    }

    /// <summary>Trusted certificates from a PKCS12 or PEM file.</summary>
    public static X509Certificate2Collection LoadTrustStore(string path, string? password, string? type)
    {
        string kind = ResolveType(path, type, "truststore");
        try
        {
            var collection = new X509Certificate2Collection();
            if (kind == "PKCS12")
            {
                collection.AddRange(X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password, X509KeyStorageFlags.EphemeralKeySet));
            }
            else
            {
                collection.ImportFromPemFile(path);
            }

            if (collection.Count == 0)
            {
                throw new AvroRpcException($"truststore {path} contains no certificate");
            }

            return collection;
        }
        catch (CryptographicException ex)
        {
            throw new AvroRpcException($"cannot load truststore {path} as {kind}: {ex.Message}", ex);
        }
    }

    private static string ResolveType(string path, string? type, string what)
    {
        string kind = (type ?? Path.GetExtension(path).TrimStart('.')).ToUpperInvariant();
        return kind switch
        {
            "PKCS12" or "P12" or "PFX" => "PKCS12",
            "PEM" or "CRT" or "CER" => "PEM",
            "JKS" or "JCEKS" => throw new AvroRpcException(
                $"{what} {path}: type {kind} (Java KeyStore) is not supported by FlumeNet; convert it with " +
                "'keytool -importkeystore -srcstoretype JKS -deststoretype PKCS12' and configure the .p12 file"),
            _ => throw new AvroRpcException($"{what} {path}: unknown type '{kind}' (use PKCS12 or PEM)"),
        };
    }

    /// <summary>
    /// Chain check against <paramref name="trusted"/> (custom root trust), ignoring host names like the
    /// Java sink (its SSLEngine has no peer host). Null <paramref name="trusted"/>: system trust, name ignored.
    /// </summary>
    /// <summary>A policy limiting TLS to <paramref name="suites"/>; null when unset or where .NET has no suite policy.</summary>
    internal static CipherSuitesPolicy? CipherPolicy(IReadOnlyList<TlsCipherSuite>? suites) =>
        suites is not null && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) ? new CipherSuitesPolicy(suites) : null;

    internal static RemoteCertificateValidationCallback ClientValidator(bool trustAll, X509Certificate2Collection? trusted)
    {
        if (trustAll)
        {
            return static (_, _, _, _) => true;
        }

        return (_, certificate, chain, errors) =>
        {
            if (certificate is null)
            {
                return false;
            }

            errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
            if (trusted is null)
            {
                return errors == SslPolicyErrors.None;
            }

            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (X509ChainElement e in chain.ChainElements)
                {
                    custom.ChainPolicy.ExtraStore.Add(e.Certificate);
                }
            }

            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return custom.Build(leaf);
        };
    }
}
