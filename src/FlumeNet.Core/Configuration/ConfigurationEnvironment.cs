namespace FlumeNet.Configuration;

/// <summary>
/// What <c>${...}</c> substitution and config filters may read from the outside world. Injected so tests
/// do not depend on the process environment or the clock.
/// </summary>
/// <param name="SystemProperties">The <c>-Dname=value</c> options of the command line (read by <c>${sys:name}</c>).</param>
/// <param name="GetEnvironmentVariable">Environment lookup; default <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
/// <param name="Time">Clock for <c>${date:...}</c>; default <see cref="TimeProvider.System"/>.</param>
public sealed record ConfigurationEnvironment(
    IReadOnlyDictionary<string, string> SystemProperties,
    Func<string, string?>? GetEnvironmentVariable = null,
    TimeProvider? Time = null)
{
    /// <summary>No system properties, the real environment and clock.</summary>
    public static ConfigurationEnvironment Default { get; } = new(new Dictionary<string, string>());

    public string? Env(string name) => (GetEnvironmentVariable ?? Environment.GetEnvironmentVariable)(name);

    public string? Sys(string name) => SystemProperties.TryGetValue(name, out var v) ? v : null;

    public DateTimeOffset Now => (Time ?? TimeProvider.System).GetLocalNow();
}
