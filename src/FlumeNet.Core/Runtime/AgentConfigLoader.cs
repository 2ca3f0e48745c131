using FlumeNet.Configuration;
using Microsoft.Extensions.Configuration;

namespace FlumeNet.Runtime;

/// <summary>
/// Reads the properties files through Microsoft.Extensions.Configuration, substitutes <c>${...}</c>, and
/// validates the named agent. Every problem comes back with its full key.
/// </summary>
public static class AgentConfigLoader
{
    public static ValidationResult Load(IReadOnlyList<string> files, string agentName, ConfigurationEnvironment environment, IComponentCatalog catalog)
    {
        var builder = new ConfigurationBuilder();
        foreach (var f in files)
        {
            builder.AddPropertiesFile(Path.GetFullPath(f));
        }

        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (PropertiesFormatException ex)
        {
            return new ValidationResult(null, [new ConfigProblem(ProblemSeverity.Fatal, ex.File ?? "(file)", ex.Message)]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The file changed between the check and the read (deleted, made unreadable): same report as the check.
            var (file, reason) = FirstUnreadable(files) ?? ((ex as FileNotFoundException)?.FileName ?? "--conf-file", Reason(ex));
            return new ValidationResult(null, [new ConfigProblem(ProblemSeverity.Fatal, file, ReadFailure(reason))]);
        }

        return AgentConfigurationBuilder.LoadAndValidate(PropertiesConfiguration.ReadEntries(root), agentName, catalog, environment);
    }

    /// <summary>The text of a configuration file that cannot be read: <c>Failed to load configuration data: {reason}</c>.</summary>
    public static string ReadFailure(string reason) => $"Failed to load configuration data: {reason}";

    /// <summary>
    /// Why <paramref name="file"/> cannot be read as a configuration file (missing, a directory, permission denied, …),
    /// or null when it can. The one check start-up and reload both use; it opens the file and reads nothing.
    /// </summary>
    public static string? Unreadable(string file)
    {
        if (Directory.Exists(file))
        {
            return "is a directory";
        }

        if (!File.Exists(file))
        {
            return "no such file";
        }

        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Reason(ex);
        }
    }

    /// <summary>The first of <paramref name="files"/> that cannot be read and why, or null when all can.</summary>
    public static (string File, string Reason)? FirstUnreadable(IEnumerable<string> files)
    {
        foreach (var f in files)
        {
            var full = Path.GetFullPath(f);
            if (Unreadable(full) is { } reason)
            {
                return (full, reason);
            }
        }

        return null;
    }

    private static string Reason(Exception ex) => ex switch
    {
        UnauthorizedAccessException => "permission denied",
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        _ => ex.Message,
    };

    /// <summary>The newest write time of <paramref name="files"/> (for reload polling).</summary>
    public static DateTime LastWrite(IEnumerable<string> files) =>
        files.Select(f => File.Exists(f) ? File.GetLastWriteTimeUtc(f) : DateTime.MinValue).DefaultIfEmpty(DateTime.MinValue).Max();
}
