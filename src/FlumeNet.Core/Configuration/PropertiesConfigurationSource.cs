using Microsoft.Extensions.Configuration;

namespace FlumeNet.Configuration;

/// <summary>A Flume properties file as a Microsoft.Extensions.Configuration source.</summary>
public sealed class PropertiesConfigurationSource : IConfigurationSource
{
    /// <summary>Path of the file (relative paths are taken from the current directory).</summary>
    public required string Path { get; init; }

    /// <summary>When true a missing file yields no entries instead of an exception. Default false.</summary>
    public bool Optional { get; init; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new PropertiesConfigurationProvider(this);
}

/// <summary>
/// Loads one properties file with <see cref="PropertiesParser"/>. IConfiguration keys are
/// case-insensitive, Flume keys are not: <see cref="Entries"/> keeps the exact, case-preserving pairs in
/// file order, and the agent model is built from those (see <see cref="PropertiesConfiguration.ReadEntries"/>).
/// </summary>
public sealed class PropertiesConfigurationProvider : ConfigurationProvider
{
    private IReadOnlyList<PropertyEntry> _entries = Array.Empty<PropertyEntry>();

    public PropertiesConfigurationProvider(PropertiesConfigurationSource source)
    {
        Source = source;
    }

    public PropertiesConfigurationSource Source { get; }

    /// <summary>The file's entries, exact keys, in file order. Empty before <see cref="Load"/>.</summary>
    public IReadOnlyList<PropertyEntry> Entries => _entries;

    /// <summary>
    /// Reads the file. A missing file throws <see cref="FileNotFoundException"/> unless optional; a
    /// malformed <c>\u</c> escape throws <see cref="PropertiesFormatException"/>.
    /// </summary>
    public override void Load()
    {
        var path = System.IO.Path.GetFullPath(Source.Path);
        if (!File.Exists(path))
        {
            if (Source.Optional)
            {
                _entries = Array.Empty<PropertyEntry>();
                Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                return;
            }

            throw new FileNotFoundException($"Unable to read file {path}", path);
        }

        _entries = PropertiesParser.ParseFile(path);
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in _entries)
        {
            // Case-insensitive view only; keys differing in case collapse here (last wins), not in Entries.
            data[e.Key] = e.Value;
        }

        Data = data;
    }

    public override string ToString() => $"{nameof(PropertiesConfigurationProvider)} for '{Source.Path}' ({(Source.Optional ? "Optional" : "Required")})";
}

public static class PropertiesConfiguration
{
    /// <summary>Adds a Flume properties file. Files added later override earlier ones key by key.</summary>
    public static IConfigurationBuilder AddPropertiesFile(
        this IConfigurationBuilder builder,
        string path,
        bool optional = false,
        Action<PropertiesConfigurationSource>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var source = new PropertiesConfigurationSource { Path = path, Optional = optional };
        configure?.Invoke(source);
        return builder.Add(source);
    }

    /// <summary>
    /// The merged, exact (case-sensitive) entries of every <see cref="PropertiesConfigurationProvider"/> of
    /// <paramref name="root"/>, in provider order: a key keeps the position of its first occurrence and takes
    /// the value (and file/line) of its last one (§1.7). Other providers are ignored.
    /// </summary>
    public static IReadOnlyList<PropertyEntry> ReadEntries(IConfigurationRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Merge(root.Providers.OfType<PropertiesConfigurationProvider>().Select(p => p.Entries));
    }

    /// <summary>Merges entry lists in order; later lists win key by key (ordinal keys).</summary>
    public static IReadOnlyList<PropertyEntry> Merge(IEnumerable<IReadOnlyList<PropertyEntry>> lists)
    {
        var result = new List<PropertyEntry>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var list in lists)
        {
            foreach (var e in list)
            {
                if (index.TryGetValue(e.Key, out var at))
                {
                    result[at] = e;
                }
                else
                {
                    index[e.Key] = result.Count;
                    result.Add(e);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Flume's "extension" check (§1.7, Java quirk): the text after the first '.' anywhere in the absolute
    /// path; only exactly <c>json</c>, <c>yaml</c> or <c>xml</c> make Flume skip the file with WARN
    /// <c>File extension type {} is unsupported</c>. Returns that text when the file would be skipped, else null.
    /// </summary>
    public static string? FlumeSkippedExtension(string absolutePath)
    {
        var dot = absolutePath.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return null;
        }

        var ext = absolutePath[(dot + 1)..];
        return ext is "json" or "yaml" or "xml" ? ext : null;
    }
}
