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
        catch (FileNotFoundException ex)
        {
            return new ValidationResult(null, [new ConfigProblem(ProblemSeverity.Fatal, "--conf-file", $"Unable to read {ex.FileName ?? ex.Message}")]);
        }

        return AgentConfigurationBuilder.LoadAndValidate(PropertiesConfiguration.ReadEntries(root), agentName, catalog, environment);
    }

    /// <summary>The newest write time of <paramref name="files"/> (for reload polling).</summary>
    public static DateTime LastWrite(IEnumerable<string> files) =>
        files.Select(f => File.Exists(f) ? File.GetLastWriteTimeUtc(f) : DateTime.MinValue).DefaultIfEmpty(DateTime.MinValue).Max();
}
