using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace FlumeNet.Configuration;

/// <summary>
/// Flume config filters (spec §2.1): <c>&lt;agent&gt;.configfilters.f1.type = env | external</c>, then
/// <c>${f1['KEY']}</c>, <c>${f1["KEY"]}</c> or <c>${f1[KEY]}</c> in component values is replaced by the
/// filter's answer; a null answer leaves the text as is.
/// </summary>
internal sealed class ConfigFilter
{
    private readonly Func<string, string?> _filter;
    private readonly Regex _pattern;

    public ConfigFilter(string name, Func<string, string?> filter)
    {
        Name = name;
        _filter = filter;
        _pattern = new Regex(@"\$\{" + Regex.Escape(name) + @"\[(|'|"")(?<key>[-_a-zA-Z0-9]+)\1\]\}", RegexOptions.CultureInvariant);
    }

    public string Name { get; }

    public string Apply(string value) =>
        value.Contains("${", StringComparison.Ordinal)
            ? _pattern.Replace(value, m => _filter(m.Groups["key"].Value) ?? m.Value)
            : value;

    /// <summary>
    /// Creates a filter of a supported type, or returns null with <paramref name="error"/> set. Types:
    /// <c>env</c> (environment variable KEY), <c>external</c> (<c>command KEY</c>, first stdout line).
    /// </summary>
    public static ConfigFilter? Create(string name, string type, IReadOnlyDictionary<string, string> props, ConfigurationEnvironment environment, out string? error)
    {
        error = null;
        if (type.Equals("env", StringComparison.OrdinalIgnoreCase)
            || type == "org.apache.flume.configfilter.EnvironmentVariableConfigFilter")
        {
            return new ConfigFilter(name, environment.Env);
        }

        if (type.Equals("external", StringComparison.OrdinalIgnoreCase)
            || type == "org.apache.flume.configfilter.ExternalProcessConfigFilter")
        {
            if (!props.TryGetValue("command", out var command) || string.IsNullOrWhiteSpace(command))
            {
                error = "command is required for an external config filter";
                return null;
            }

            var charset = props.TryGetValue("charset", out var cs) ? cs : "UTF-8";
            Encoding encoding;
            try
            {
                encoding = Encoding.GetEncoding(charset);
            }
            catch (ArgumentException)
            {
                error = $"unknown charset '{charset}'";
                return null;
            }

            return new ConfigFilter(name, key => RunExternal(command, key, encoding));
        }

        error = $"type '{type}' is not supported (FlumeNet supports env and external)";
        return null;
    }

    private static string? RunExternal(string command, string key, Encoding encoding)
    {
        var words = command.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var psi = new ProcessStartInfo(words[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = encoding,
        };
        foreach (var w in words.Skip(1))
        {
            psi.ArgumentList.Add(w);
        }

        psi.ArgumentList.Add(key);
        try
        {
            using var p = Process.Start(psi);
            if (p is null)
            {
                return null;
            }

            var stdout = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            if (!p.WaitForExit(TimeSpan.FromSeconds(30)) || p.ExitCode != 0)
            {
                return null;
            }

            using var reader = new StringReader(stdout);
            return reader.ReadLine();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
